#!/usr/bin/env bash
# Installs gopar for the current user and runs the quickstart notebook:
# Debian's Jupyter packages and NumPy (when missing), the gopar binary (go install),
# the kernelspec (gopar install), then notebooks/00-quickstart.ipynb
# executed into out/00-quickstart.ipynb.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(python3-jupyter-client python3-nbclient jupyter-nbconvert python3-jupyter-kernel-test jupyter-notebook python3-numpy)

as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		echo "quickstart: need root (or sudo) to run: $*" >&2
		exit 1
	fi
}

missing=()
if command -v dpkg-query >/dev/null; then
	for p in "${packages[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
elif ! /usr/bin/python3 -c 'import jupyter_client, nbclient' 2>/dev/null; then
	echo "quickstart: this is not a Debian system; install Jupyter (jupyter_client, nbclient, nbconvert, notebook) yourself and run again" >&2
	exit 1
fi
if ((${#missing[@]})); then
	echo "==> installing ${missing[*]}"
	as_root apt-get update
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

if ! command -v go >/dev/null; then
	echo "quickstart: go is not on PATH; install Go $(sed -n 's/^go //p' go.mod) or newer from https://go.dev/dl" >&2
	exit 1
fi

echo "==> go install ."
go install .
bin=$(go env GOBIN)
if [[ -z $bin ]]; then
	bin=$(go env GOPATH)/bin
fi

echo "==> gopar install"
"$bin/gopar" install

echo "==> running notebooks/00-quickstart.ipynb"
mkdir -p out
/usr/bin/jupyter nbconvert --to notebook --execute \
	--ExecutePreprocessor.kernel_name=gopar \
	--ExecutePreprocessor.timeout=600 \
	--output-dir out notebooks/00-quickstart.ipynb

echo
echo "The executed notebook is $(pwd)/out/00-quickstart.ipynb"
case ":$PATH:" in
*":$bin:"*) ;;
*) echo "Add $bin to your PATH to run gopar by name." ;;
esac
echo "Start Jupyter with: jupyter notebook notebooks/"

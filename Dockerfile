# Jupyter Notebook with the gopar Go kernel.
#   docker build -t gopar .
#   docker run --rm -p 8888:8888 gopar
FROM golang:1.26-bookworm

ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
	&& apt-get install -y --no-install-recommends \
		python3-jupyter-client python3-nbclient jupyter-nbconvert \
		python3-jupyter-kernel-test jupyter-notebook \
	&& rm -rf /var/lib/apt/lists/*

WORKDIR /opt/gopar
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go install . && gopar install

WORKDIR /opt/gopar/notebooks
EXPOSE 8888
CMD ["jupyter", "notebook", "--ip=0.0.0.0", "--port=8888", "--allow-root", "--no-browser"]

package cacheprog

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// sharedCache is a build cache this process only reads. Every file of it
// that a hit uses is checked: owned by the cache's owner, writable by no
// one else, and the output hashing to its ID.
type sharedCache struct {
	dir   string
	owner uint32

	mu       sync.Mutex
	dirOK    map[string]error         // subdirectory -> its check
	verified map[[hashSize]byte]error // output ID -> its check
}

// openShared checks the shared cache's directory: it must belong to root
// or to the user running this process, and no one else may write it.
func openShared(dir string) (*sharedCache, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	owner, err := CheckOwner(dir, info)
	if err != nil {
		return nil, err
	}
	return &sharedCache{dir: dir, owner: owner, dirOK: map[string]error{}, verified: map[[hashSize]byte]error{}}, nil
}

// CheckOwner returns the owner of path (info describes it) when it is
// root or the user running this process and only its owner may write it:
// the conditions under which this user can trust what another put there.
func CheckOwner(path string, info fs.FileInfo) (uint32, error) {
	uid, ok := ownerOf(info)
	if !ok {
		return 0, fmt.Errorf("%s: cannot tell who owns it on this system", path)
	}
	if uid != 0 && int(uid) != os.Getuid() {
		return 0, fmt.Errorf("%s belongs to user %d, neither root nor you", path, uid)
	}
	return uid, checkWritable(path, info, uid)
}

// checkWritable fails when info, of path, is not owned by owner or is
// writable by its group or others.
func checkWritable(path string, info fs.FileInfo, owner uint32) error {
	if uid, ok := ownerOf(info); !ok || uid != owner {
		return fmt.Errorf("%s does not belong to the owner of the shared cache", path)
	}
	if info.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s is writable by others than its owner (mode %v)", path, info.Mode().Perm())
	}
	return nil
}

// get returns action's entry and the path of its verified output. An
// action the cache does not hold is an error wrapping fs.ErrNotExist;
// any other error is a damaged or untrustworthy entry.
func (c *sharedCache) get(action [hashSize]byte) (entry, string, error) {
	epath := entryPath(c.dir, action)
	if err := c.checkDir(filepath.Dir(epath)); err != nil {
		return entry{}, "", err
	}
	f, err := os.Open(epath)
	if err != nil {
		return entry{}, "", err
	}
	info, err := f.Stat()
	if err == nil {
		err = checkWritable(epath, info, c.owner)
	}
	var b []byte
	if err == nil {
		b, err = io.ReadAll(io.LimitReader(f, entrySize+1))
	}
	f.Close()
	if err != nil {
		return entry{}, "", notMissing(err)
	}
	e, err := parseEntry(b)
	if err == nil && e.action != action {
		err = errors.New("entry of another action")
	}
	if err != nil {
		return entry{}, "", fmt.Errorf("%s: %w", epath, err)
	}
	opath := outputPath(c.dir, e.output)
	if err := c.verify(opath, e); err != nil {
		return entry{}, "", err
	}
	return e, opath, nil
}

// notMissing keeps an error from being taken for a plain miss: the
// caller warns about anything but fs.ErrNotExist.
func notMissing(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("entry vanished: %v", err.Error())
	}
	return err
}

func (c *sharedCache) checkDir(dir string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err, done := c.dirOK[dir]
	if !done {
		var info fs.FileInfo
		if info, err = os.Stat(dir); err == nil {
			err = checkWritable(dir, info, c.owner)
		}
		c.dirOK[dir] = err
	}
	return err
}

// verify checks an output file once per process: its owner and mode,
// its size, and that it hashes to its ID.
func (c *sharedCache) verify(path string, e entry) error {
	c.mu.Lock()
	err, done := c.verified[e.output]
	c.mu.Unlock()
	if done {
		return err
	}
	err = c.checkOutput(path, e)
	c.mu.Lock()
	c.verified[e.output] = err
	c.mu.Unlock()
	return err
}

func (c *sharedCache) checkOutput(path string, e entry) error {
	if err := c.checkDir(filepath.Dir(path)); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return notMissing(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if err := checkWritable(path, info, c.owner); err != nil {
		return err
	}
	if info.Size() != e.size {
		return fmt.Errorf("%s has %d bytes, its entry says %d", path, info.Size(), e.size)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if [hashSize]byte(h.Sum(nil)) != e.output {
		return fmt.Errorf("%s is damaged: its content does not hash to its ID", path)
	}
	return nil
}

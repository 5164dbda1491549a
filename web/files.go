package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/left4me/left4me"
)

// maxEditBytes bounds files edited in the browser's textarea.
const maxEditBytes = 1 << 20

// cleanPath validates a path inside an overlay. Every file operation also
// goes through os.Root, which refuses escapes (including through symlinks);
// this check exists to give a clear message and to refuse odd names early.
func cleanPath(p string, dirOK bool) (string, error) {
	p = strings.Trim(p, "/")
	if p == "" || p == "." {
		if dirOK {
			return ".", nil
		}
		return "", left4me.Errorf(left4me.EINVALID, "a file path is required")
	}
	bad := func(why string) error {
		return left4me.Errorf(left4me.EINVALID, "invalid path %q: %s", p, why)
	}
	switch {
	case len(p) > 1024:
		return "", bad("longer than 1024 bytes")
	case strings.ContainsAny(p, "\x00\\"):
		return "", bad("NUL and backslash are not allowed")
	case !utf8.ValidString(p):
		return "", bad("not UTF-8")
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return "", bad("'..' would leave the overlay")
		}
		if part == "" || part == "." {
			return "", bad("empty or '.' path element")
		}
	}
	return p, nil
}

// rawPath refuses absolute paths before cleanPath trims the slash away.
func rawPath(p string) error {
	if strings.HasPrefix(p, "/") {
		return left4me.Errorf(left4me.EINVALID, "invalid path %q: paths are relative to the overlay", p)
	}
	return nil
}

// requestPath is the file path of a request: the {path...} of an API URL or
// the "path" form field of a page.
func requestPath(r *http.Request, dirOK bool) (string, error) {
	p := r.PathValue("path")
	if p == "" {
		p = r.FormValue("path")
		if err := rawPath(p); err != nil {
			return "", err
		}
	}
	return cleanPath(p, dirOK)
}

// openRoot opens the overlay's directory as an os.Root; with write set it
// refuses overlays whose content is built rather than edited.
func (s *Server) openRoot(r *http.Request, write bool) (*os.Root, *left4me.Overlay, error) {
	o, err := s.findOverlay(r)
	if err != nil {
		return nil, nil, err
	}
	if write && o.Kind != left4me.OverlayFiles {
		return nil, nil, left4me.Errorf(left4me.EINVALID, "overlay %q is a %s overlay: its files are built, not edited", o.Name, o.Kind)
	}
	dir := OverlayDir(s.cfg.Root, o.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("create overlay dir: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("open overlay dir: %w", err)
	}
	return root, o, nil
}

// openPath checks the request's file path, then opens its overlay like openRoot.
func (s *Server) openPath(r *http.Request, write bool) (*os.Root, *left4me.Overlay, string, error) {
	p, err := requestPath(r, false)
	if err != nil {
		return nil, nil, "", err
	}
	root, o, err := s.openRoot(r, write)
	if err != nil {
		return nil, nil, "", err
	}
	return root, o, p, nil
}

// fileError turns os.Root errors into user-facing ones.
func fileError(p string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return left4me.Errorf(left4me.ENOTFOUND, "no such file or directory %q", p)
	case errors.Is(err, fs.ErrExist):
		return left4me.Errorf(left4me.ECONFLICT, "%q already exists", p)
	case strings.Contains(err.Error(), "path escapes from parent"):
		return left4me.Errorf(left4me.EINVALID, "invalid path %q: it leaves the overlay", p)
	case strings.Contains(err.Error(), "not a directory"):
		return left4me.Errorf(left4me.EINVALID, "invalid path %q: a parent is not a directory", p)
	case strings.Contains(err.Error(), "is a directory"):
		return left4me.Errorf(left4me.ECONFLICT, "%q is a directory", p)
	}
	return fmt.Errorf("overlay file %q: %w", p, err)
}

// writeFile writes atomically: a temporary file in the target directory,
// fsync, rename. A failed upload leaves nothing behind.
func writeFile(root *os.Root, p string, src io.Reader) (int64, error) {
	if dir := path.Dir(p); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return 0, fileError(p, err)
		}
	}
	if fi, err := root.Lstat(p); err == nil && fi.IsDir() {
		return 0, left4me.Errorf(left4me.ECONFLICT, "%q is a directory", p)
	}
	rnd := make([]byte, 8)
	rand.Read(rnd)
	tmp := path.Join(path.Dir(p), ".upload-"+hex.EncodeToString(rnd))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, fileError(p, err)
	}
	n, err := io.Copy(f, src)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(tmp, p)
	}
	if err != nil {
		root.Remove(tmp)
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return 0, left4me.Errorf(left4me.EINVALID, "upload larger than %d bytes", maxErr.Limit)
		}
		return 0, fileError(p, err)
	}
	return n, nil
}

// fileEntry is one file or directory of an overlay.
type fileEntry struct {
	Path    string    `json:"path"`
	Name    string    `json:"-"`
	Dir     bool      `json:"dir"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mod_time"`
}

func (s *Server) listDir(o *left4me.Overlay, dir string) ([]fileEntry, error) {
	root, err := os.OpenRoot(OverlayDir(s.cfg.Root, o.ID))
	if err != nil {
		return nil, fileError(dir, err)
	}
	defer root.Close()
	des, err := fs.ReadDir(root.FS(), dir)
	if err != nil {
		return nil, fileError(dir, err)
	}
	var out []fileEntry
	for _, de := range des {
		fi, err := de.Info()
		if err != nil {
			continue
		}
		out = append(out, fileEntry{Path: path.Join(dir, de.Name()), Name: de.Name(), Dir: de.IsDir(), Size: fi.Size(), ModTime: fi.ModTime()})
	}
	slices.SortFunc(out, func(a, b fileEntry) int {
		if a.Dir != b.Dir {
			if a.Dir {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

// handleFileList lists every file and directory of an overlay (API).
func (s *Server) handleFileList(w http.ResponseWriter, r *http.Request) {
	root, _, err := s.openRoot(r, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer root.Close()
	files := []fileEntry{}
	err = fs.WalkDir(root.FS(), ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		fi, err := de.Info()
		if err != nil {
			return err
		}
		files = append(files, fileEntry{Path: p, Dir: de.IsDir(), Size: fi.Size(), ModTime: fi.ModTime()})
		return nil
	})
	if err != nil {
		s.writeError(w, r, fileError(".", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"files": files})
}

// handleFileUpload stores multipart files. The API takes a "path" field
// naming the destination of one file; both take "dir", a directory that
// receives each file under its own name.
func (s *Server) handleFileUpload(w http.ResponseWriter, r *http.Request) {
	root, o, err := s.openRoot(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer root.Close()
	if r.MultipartForm == nil {
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes)
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			s.writeError(w, r, left4me.Errorf(left4me.EINVALID, "expected a multipart/form-data upload: %v", err))
			return
		}
	}
	defer r.MultipartForm.RemoveAll()
	files := r.MultipartForm.File["file"]
	if len(files) == 0 {
		s.writeError(w, r, left4me.Errorf(left4me.EINVALID, "no file in the upload (field \"file\")"))
		return
	}
	dests, err := uploadDests(r, files)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var written []fileEntry
	for i, fh := range files {
		n, err := copyPart(root, dests[i], fh)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		written = append(written, fileEntry{Path: dests[i], Size: n})
	}
	s.log.Info("overlay upload", "overlay", o.ID, "files", len(written), "user", userFrom(r.Context()).Name)
	s.respond(w, r, http.StatusCreated, map[string]any{"files": written},
		"/overlays/"+strconv.FormatInt(o.ID, 10)+"?path="+url.QueryEscape(r.PostFormValue("dir")))
}

// uploadDests validates every destination before anything is written.
func uploadDests(r *http.Request, files []*multipart.FileHeader) ([]string, error) {
	if p := r.PostFormValue("path"); p != "" {
		if len(files) != 1 {
			return nil, left4me.Errorf(left4me.EINVALID, "\"path\" names one file but %d were sent", len(files))
		}
		if err := rawPath(p); err != nil {
			return nil, err
		}
		clean, err := cleanPath(p, false)
		return []string{clean}, err
	}
	dirField := r.PostFormValue("dir")
	if err := rawPath(dirField); err != nil {
		return nil, err
	}
	dir, err := cleanPath(dirField, true)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, fh := range files {
		p, err := cleanPath(path.Join(dir, fh.Filename), false)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func copyPart(root *os.Root, dest string, fh *multipart.FileHeader) (int64, error) {
	f, err := fh.Open()
	if err != nil {
		return 0, fmt.Errorf("open uploaded part: %w", err)
	}
	defer f.Close()
	return writeFile(root, dest, f)
}

// handleFilePut stores the raw request body at the URL's path (API).
func (s *Server) handleFilePut(w http.ResponseWriter, r *http.Request) {
	root, _, p, err := s.openPath(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer root.Close()
	n, err := writeFile(root, p, http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, fileEntry{Path: p, Size: n})
}

func (s *Server) handleFileDownload(w http.ResponseWriter, r *http.Request) {
	root, _, p, err := s.openPath(r, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer root.Close()
	f, err := root.Open(p)
	if err != nil {
		s.writeError(w, r, fileError(p, err))
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		s.writeError(w, r, left4me.Errorf(left4me.EINVALID, "%q is not a file", p))
		return
	}
	// Always a download, never rendered: uploaded HTML must not run as us.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", path.Base(p)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

func (s *Server) handleFileDelete(w http.ResponseWriter, r *http.Request) {
	root, o, p, err := s.openPath(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer root.Close()
	if _, err := root.Lstat(p); err != nil {
		s.writeError(w, r, fileError(p, err))
		return
	}
	if err := root.RemoveAll(p); err != nil {
		s.writeError(w, r, fileError(p, err))
		return
	}
	if isAPI(r) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, "/overlays/"+strconv.FormatInt(o.ID, 10)+"?path="+url.QueryEscape(path.Dir(p)), http.StatusSeeOther)
}

func (s *Server) handleFileMkdir(w http.ResponseWriter, r *http.Request) {
	dir, err := cleanPath(path.Join(r.PostFormValue("dir"), r.PostFormValue("name")), false)
	if err == nil {
		err = rawPath(r.PostFormValue("dir"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	root, o, err := s.openRoot(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer root.Close()
	if err := root.MkdirAll(dir, 0o755); err != nil {
		s.writeError(w, r, fileError(dir, err))
		return
	}
	http.Redirect(w, r, "/overlays/"+strconv.FormatInt(o.ID, 10)+"?path="+url.QueryEscape(dir), http.StatusSeeOther)
}

func (s *Server) handleFileEditPage(w http.ResponseWriter, r *http.Request) {
	root, o, p, err := s.openPath(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer root.Close()
	content, err := readText(root, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "edit.html", p, map[string]any{
		"Overlay": o, "Path": p, "Content": content, "Dir": path.Dir(p),
	})
}

// readText reads a file for the editor; a missing file is a new, empty one.
func readText(root *os.Root, p string) (string, error) {
	f, err := root.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	} else if err != nil {
		return "", fileError(p, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxEditBytes+1))
	if err != nil {
		return "", fileError(p, err)
	}
	if len(b) > maxEditBytes || !utf8.Valid(b) || slices.Contains(b, 0) {
		return "", left4me.Errorf(left4me.EINVALID, "%q is not a small text file: download it instead", p)
	}
	return string(b), nil
}

func (s *Server) handleFileSave(w http.ResponseWriter, r *http.Request) {
	content := strings.ReplaceAll(r.PostFormValue("content"), "\r\n", "\n")
	if len(content) > maxEditBytes {
		s.writeError(w, r, left4me.Errorf(left4me.EINVALID, "text larger than %d bytes", maxEditBytes))
		return
	}
	root, o, p, err := s.openPath(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer root.Close()
	if _, err := writeFile(root, p, strings.NewReader(content)); err != nil {
		s.writeError(w, r, err)
		return
	}
	http.Redirect(w, r, "/overlays/"+strconv.FormatInt(o.ID, 10)+"?path="+url.QueryEscape(path.Dir(p)), http.StatusSeeOther)
}

// crumb is one link of the directory breadcrumbs.
type crumb struct{ Name, Path string }

func crumbs(dir string) []crumb {
	if dir == "." {
		return nil
	}
	var out []crumb
	parts := strings.Split(dir, "/")
	for i, p := range parts {
		out = append(out, crumb{Name: p, Path: strings.Join(parts[:i+1], "/")})
	}
	return out
}

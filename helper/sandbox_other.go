//go:build !linux

package helper

import "errors"

type build struct {
	overlayID, overlayPath, devIno, scriptDir string
	overlayFD                                 int
	hidden                                    []string
}

func openBuild(root, id, base string, svc ids, sc SandboxConfig) (*build, error) {
	return nil, errors.New("left4me-script-sandbox needs Linux")
}

func (b *build) close() {}

func chownTree(dirFD int, from, to ids, toSandbox bool) error {
	return errors.New("left4me-script-sandbox needs Linux")
}

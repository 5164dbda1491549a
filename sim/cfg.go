package sim

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// maxExecDepth stops exec chains that do not loop on one file but still
// never end (a.cfg → b.cfg → a.cfg is caught earlier, by the stack check).
const maxExecDepth = 32

// cmdExec runs cfg/<name>(.cfg) from the game dir, line by line. A file
// already being executed is not entered again, so a cfg that execs itself
// cannot loop.
func (s *Server) cmdExec(w []string, sess *session) string {
	if len(w) < 2 {
		return "exec <filename>: execute a script file\n"
	}
	name := w[1]
	if !strings.HasSuffix(name, ".cfg") {
		name += ".cfg"
	}
	clean := path.Clean(strings.ReplaceAll(name, "\\", "/"))
	if strings.HasPrefix(clean, "../") || path.IsAbs(clean) || clean == ".." {
		return fmt.Sprintf("exec %s: invalid path\n", w[1])
	}
	if slices.Contains(s.execStack, clean) || len(s.execStack) >= maxExecDepth {
		return fmt.Sprintf("exec %s: recursive exec skipped\n", w[1])
	}
	data, err := os.ReadFile(filepath.Join(s.gameDir, "cfg", filepath.FromSlash(clean)))
	if err != nil {
		msg := fmt.Sprintf("exec: couldn't exec %s\n", w[1])
		fmt.Fprint(s.out, msg)
		return msg
	}
	msg := fmt.Sprintf("Execing config: %s\n", clean)
	fmt.Fprint(s.out, msg)
	s.execd = append(s.execd, clean)
	s.execStack = append(s.execStack, clean)
	defer func() { s.execStack = s.execStack[:len(s.execStack)-1] }()
	var out strings.Builder
	out.WriteString(msg)
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out.WriteString(s.execLine(sc.Text(), sess))
	}
	return out.String()
}

// loadMap switches to m: the log lines of a map change, then server.cfg,
// which srcds executes on every map start.
func (s *Server) loadMap(m string) {
	s.logf("Loading map \"%s\"", m)
	s.mapName, s.mapStart = m, s.cfg.Now()
	s.run([]string{"exec", "server.cfg"}, nil)
	s.logf("Started map \"%s\" (CRC \"%d\")", m, crc(m))
	fmt.Fprintf(s.out, "Server name is \"%s\"\n", s.cvar("hostname"))
	s.logf("Server name is \"%s\"", s.cvar("hostname"))
}

// crc is a stable stand-in for the map file's CRC.
func crc(m string) int32 {
	var h uint32 = 2166136261
	for i := 0; i < len(m); i++ {
		h = (h ^ uint32(m[i])) * 16777619
	}
	return int32(h)
}

// cmdAddons lists the .vpk files under <game>/addons, relative to it, sorted.
func (s *Server) cmdAddons(_ []string, _ *session) string {
	root := filepath.Join(s.gameDir, "addons")
	var found []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".vpk") {
			rel, _ := filepath.Rel(root, p)
			found = append(found, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(found)
	return lines(found)
}

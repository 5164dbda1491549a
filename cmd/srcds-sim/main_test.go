package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/left4me/left4me/rcon"
)

// TestMain lets this test binary be the srcds-sim executable.
func TestMain(m *testing.M) {
	if os.Getenv("SRCDS_SIM_AS_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// TestSrcdsRunWrapper installs the binary the way an installation does —
// a srcds_run script that changes to its own directory and execs the sim —
// starts it from elsewhere with the systemd unit's command line, and checks
// it found its cfg and addons, then stops on SIGINT with exit code 0.
func TestSrcdsRunWrapper(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"left4dead2/cfg/server.cfg":              "hostname \"Wrapped\"\nrcon_password pw\nexec server_overlay_3\n",
		"left4dead2/cfg/server_overlay_3.cfg":    "sv_tags overlay\n",
		"left4dead2/addons/workshop/1234567.vpk": "vpk",
		"srcds_run":                              fmt.Sprintf("#!/bin/sh\ncd \"$(dirname \"$0\")\" && exec %q \"$@\"\n", os.Args[0]),
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(filepath.Join(root, "srcds_run"), "-game", "left4dead2", "+ip", "127.0.0.1", "+hostport", "0",
		"-tickrate", "100", "+map", "c1m1_hotel", "-simplayers", "0")
	cmd.Dir = t.TempDir() // not the game root: the wrapper must cd
	cmd.Env = append(os.Environ(), "SRCDS_SIM_AS_MAIN=1", "GORACE=atexit_sleep_ms=0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	port, lines := 0, bufio.NewScanner(stdout)
	for port == 0 && lines.Scan() {
		fmt.Sscanf(lines.Text(), "Network: IP 127.0.0.1, mode MP, dedicated Yes, ports %d SV", &port)
	}
	for lines.Scan() && !strings.Contains(lines.Text(), "VAC secure mode is activated.") {
	}
	go func() {
		for lines.Scan() {
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := rcon.Dial(ctx, fmt.Sprintf("127.0.0.1:%d", port), "pw")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for command, want := range map[string]string{
		"sim_execd":  "server.cfg\nserver_overlay_3.cfg\n",
		"sim_addons": "workshop/1234567.vpk\n",
		"hostname":   "\"hostname\" = \"Wrapped\"\n",
	} {
		if got, err := c.Exec(ctx, command); err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", command, got, err, want)
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGINT: %v", err)
	}
}

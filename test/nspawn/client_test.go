package nspawn_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/a2s"
	"github.com/left4me/left4me/host"
	"github.com/left4me/left4me/systemd"
	"testing"
)

// Paths inside the container.
const (
	e2eBin    = "/opt/left4me-e2e/bin"
	e2eDeploy = "/opt/left4me-e2e/deploy"
	e2eRoot   = "/var/lib/left4me"
	clientCmd = "l4m-client"
)

// TestMain doubles as the client the service user runs inside the
// container: the test binary is bound in as l4m-client and drives the real
// host library over the real systemd runtime, as the web app does.
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == clientCmd {
		if err := client(os.Args[1:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "l4m-client:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// client runs one verb:
//
//	start NAME PORT [OVERLAY-DIR...]   host.Start (initialize, stage, enable)
//	init NAME PORT                     host.Initialize
//	stop NAME | status NAME | logs NAME N | follow NAME SECONDS | mount NAME | unmount NAME
//	script OVERLAY-ID SCRIPT           the build sandbox; prints exit=N
//	listen ADDR                        a TCP listener (run as root)
//	a2s ADDR                           A2S_INFO: prints name|map|folder
func client(args []string, w io.Writer) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: %s VERB ARG...", clientCmd)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	root := os.Getenv("LEFT4ME_ROOT") // from host.env, as the web unit gets it
	if root == "" {
		root = e2eRoot
	}
	rt := systemd.New(systemd.Config{})
	h := &host.Host{Root: root, Runtime: rt, Mounter: rt}
	verb, name := args[0], args[1]
	switch verb {
	case "start", "init":
		if len(args) < 3 {
			return fmt.Errorf("%s NAME PORT", verb)
		}
		port, _ := strconv.Atoi(args[2])
		spec := left4me.InstanceSpec{Name: name, Port: port, Args: []string{"+map", "c1m1_hotel"}, Config: "hostname e2e\n"}
		for _, dir := range args[3:] {
			spec.Overlays = append(spec.Overlays, left4me.OverlayRef{Path: dir})
		}
		if verb == "init" {
			return h.Initialize(ctx, spec)
		}
		return h.Start(ctx, spec)
	case "stop":
		return h.Stop(ctx, name)
	case "status":
		st, err := h.Status(ctx, name)
		if err == nil {
			fmt.Fprintf(w, "%s %s\n", st.ActiveState, st.SubState)
		}
		return err
	case "logs":
		n, _ := strconv.Atoi(args[2])
		return h.Logs(ctx, name, n, false, w)
	case "follow": // follow the logs for a few seconds, then cancel
		secs, _ := strconv.Atoi(args[2])
		fctx, fcancel := context.WithTimeout(ctx, time.Duration(secs)*time.Second)
		defer fcancel()
		return h.Logs(fctx, name, 5, true, w)
	case "mount":
		return rt.Mount(ctx, name)
	case "unmount":
		return rt.Unmount(ctx, name)
	case "script":
		id, _ := strconv.ParseInt(name, 10, 64)
		code, err := rt.RunScript(ctx, id, args[2], w, os.Stderr)
		fmt.Fprintf(w, "exit=%d\n", code)
		return err
	case "listen":
		return listen(name)
	case "a2s": // query the game: prints name|map|folder
		info, err := a2s.QueryInfo(ctx, name)
		if err == nil {
			fmt.Fprintf(w, "%s|%s|%s\n", info.Name, info.Map, info.Folder)
		}
		return err
	}
	return fmt.Errorf("unknown verb %q", verb)
}

// listen accepts and closes connections until killed.
func listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		c.Close()
	}
}

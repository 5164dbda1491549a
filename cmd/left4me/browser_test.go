package main_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/left4me/left4me/a2s"
)

const chromium = "/usr/bin/chromium"

// newBrowser starts headless Chromium with a fresh profile.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s is missing: install the Debian package chromium (scripts/test does)", chromium)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1200, 900),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	return bctx
}

// waitFor re-evaluates a JavaScript predicate until it holds; unlike
// chromedp.Poll it survives the page reloading itself.
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var err error
	for time.Now().Before(deadline) {
		var ok bool
		ok, err = chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		time.Sleep(150 * time.Millisecond)
	}
	html, _ := chromedp.Run(ctx, chromedp.OuterHTML("html"))
	t.Fatalf("timed out waiting for %s (last error %v); page:\n%s", what, err, html)
}

func textOf(id string) string {
	return fmt.Sprintf(`((document.getElementById(%q) || {}).textContent || "")`, id)
}

func TestBrowser(t *testing.T) {
	requireRoot(t)
	p := startDemo(t, t.TempDir(), freePort(t))
	ctx := newBrowser(t)

	t.Run("login", func(t *testing.T) {
		err := chromedp.Do(ctx,
			chromedp.Navigate(p.url+"/"),
			chromedp.WaitVisible("#password"),
			chromedp.SendKeys("#name", "admin"),
			chromedp.SendKeys("#password", adminPassword),
			chromedp.Click("#login"),
			chromedp.WaitVisible("#server-create"),
		)
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("blueprint preview", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(p.url+"/blueprints/1"), chromedp.WaitVisible("#exec-preview")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "preview of the exposed overlay", textOf("exec-preview")+` === "exec server_overlay_1\n"`)
		if err := chromedp.Do(ctx, chromedp.Click(`input.expose`)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "empty preview after unticking", textOf("exec-preview")+` === ""`)
		if err := chromedp.Do(ctx, chromedp.Click(`input.expose`)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "preview back", textOf("exec-preview")+` === "exec server_overlay_1\n"`)
	})
	t.Run("create and start", func(t *testing.T) {
		err := chromedp.Do(ctx,
			chromedp.Navigate(p.url+"/servers"),
			chromedp.WaitVisible("#server-name"),
			chromedp.SendKeys("#server-name", "web1"),
			chromedp.Click("#server-create-submit"),
		)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the new server's page", `!!document.getElementById("action-start")`)
		if s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](textOf("server-state"))); !strings.Contains(s, "inactive") {
			t.Errorf("new server state %q", s)
		}
		if err := chromedp.Do(ctx, chromedp.Click("#action-start")); err != nil {
			t.Fatal(err)
		}
		// The page follows the job over SSE and reloads when it is done.
		waitFor(t, ctx, "the server running", textOf("server-state")+`.includes("active (running)")`)
		// Only the page's script drops ?job= from the URL, after the event
		// stream reported the job done.
		waitFor(t, ctx, "the job followed over SSE", `location.pathname === "/servers/web1" && !location.search.includes("job=")`)
		info, err := a2s.QueryInfo(withTimeout(t, 5*time.Second), fmt.Sprintf("127.0.0.1:%d", p.port))
		if err != nil || info.Name != "left4me demo" {
			t.Errorf("A2S after browser start: %+v %v", info, err)
		}
	})
	t.Run("phone", func(t *testing.T) {
		err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(p.url+"/servers"), chromedp.WaitVisible("#servers"))
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the dashboard fitting a phone screen",
			`document.documentElement.scrollWidth <= window.innerWidth && document.body.textContent.includes("web1")`)
	})
	t.Run("stop", func(t *testing.T) {
		err := chromedp.Do(ctx, chromedp.Navigate(p.url+"/servers/web1"), chromedp.WaitVisible("#action-stop"), chromedp.Click("#action-stop"))
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the server stopped", textOf("server-state")+`.includes("inactive")`)
	})
}

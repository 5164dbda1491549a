// Command left4me-helper is left4me's root helper. It is installed under
// /usr/local/libexec/left4me/ as left4me-overlay, left4me-systemctl,
// left4me-journalctl and left4me-script-sandbox, run by the service user
// through verb-constrained sudo, and dispatches on the name it is invoked
// under (or, as left4me-helper, on its first argument):
//
//	left4me-overlay mount|umount NAME
//	left4me-systemctl enable|disable|show NAME
//	left4me-journalctl NAME --lines N --follow|--no-follow
//	left4me-script-sandbox OVERLAY-ID SCRIPT
//
// Its configuration is compiled in: the data root comes only from the
// root-owned /etc/left4me/host.env, never from the environment or flags, so
// a caller cannot point it at other files. Exit codes: 0 done, 1 failed,
// 2 refused (nothing touched); the sandbox returns the script's code.
package main

import (
	"os"

	"github.com/left4me/left4me/helper"
)

func main() {
	os.Exit(helper.Main(helper.DefaultConfig(), os.Args))
}

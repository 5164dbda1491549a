// Command srcds-sim stands in for `srcds_run -game left4dead2`: install it
// behind a srcds_run wrapper (`cd "$(dirname "$0")" && exec srcds-sim "$@"`)
// and it serves A2S, RCON and UDP logs like the game. See package sim.
package main

import (
	"os"

	"github.com/left4me/left4me/sim"
)

func main() {
	os.Exit(sim.Main(os.Args[1:], os.Stdout, os.Stderr))
}

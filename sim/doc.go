// Package sim is srcds-sim, a stand-in for the Left 4 Dead 2 dedicated
// server (`srcds_run -game left4dead2`) for tests and `left4me demo`. From
// the outside it behaves like the game: it reads the srcds_run command line,
// executes left4dead2/cfg/server.cfg and its exec chains, keeps cvars,
// answers A2S queries on UDP and RCON on TCP of the same port, sends log
// lines to logaddress targets and simulates players joining and leaving.
// Both cmd/srcds-sim and the panel binary run it through Main.
//
// The game root is the working directory (an installation's srcds_run
// wrapper does `cd "$(dirname "$0")" && exec srcds-sim "$@"`), or -simroot.
//
// Command line: -game DIR, +ip IP, +hostport N or -port N (0 = any free
// port, printed in the "Network: IP …, ports N SV" line), +map MAP,
// -tickrate N, -maxplayers N, +exec CFG and any other +name value… pair
// (run as a console command before the map loads). Other -flags are
// ignored. Simulator flags, all prefixed -sim so they never collide with
// srcds's own:
//
//	-simroot DIR             game root instead of the working directory
//	-simseed N               seed for simulated players (default 0)
//	-simplayers N            simulated humans, 0..255 (default 2; 0 = none)
//	-simchurn DURATION       one human leaves and one joins each period (default 20s, 0 = never)
//	-simcrashafter DURATION  exit with code 139 after this long, like a segfault
//	-simfailstart            fail at start (exit code 1) without binding the port
//	-siminfochallenge 0|1    A2S_INFO demands a challenge (default 1, as L4D2 since 2020)
//	-simrconauthempty 0|1    send the empty RESPONSE_VALUE before AUTH_RESPONSE (default 1, as srcds)
//	-simdroploopbacklogs     drop 127.x logaddress targets, as L4D2 is reported to do
//
// Console commands (RCON, cfg files, +commands): `status`, `users`,
// `cvarlist`, `<cvar>` (prints `"name" = "value"`), `<cvar> <value…>`,
// `exec`, `echo`, `say`, `changelevel`/`map` (re-runs server.cfg; the RCON
// connection that asked is closed afterwards, as srcds may do), `kick`,
// `kickid`, `removeip`, `log on|off`, `logaddress_add|del|list|delall`, `quit`, and two
// for tests: `sim_execd` (cfg files executed so far, in order, one per line,
// relative to cfg/, e.g. `server.cfg`, `server_overlay_3.cfg`; every map
// start appends server.cfg's chain again) and `sim_addons` (.vpk files under
// left4dead2/addons, relative to it, sorted, e.g. `workshop/123.vpk`).
//
// An empty rcon_password refuses every RCON login; failed logins ban the
// address as srcds does (sv_rcon_minfailures within sv_rcon_minfailuretime,
// or sv_rcon_maxfailures; sv_rcon_banpenalty minutes, 0 = until restart):
// a banned address's connections are closed at once; `removeip` lifts it. Log lines are sent while
// `log on` is in effect, from the game port, with sv_logsecret when it is
// not 0; unlike real L4D2, loopback targets work unless -simdroploopbacklogs.
package sim

#!/usr/bin/env bash
# Installs left4me on a Debian host (12 or later), as root. Idempotent: run
# it again after an upgrade; it changes only what differs and never touches
# the data, the database or existing host.env/web.env settings.
#
# usage: deploy/install.sh --bin DIR [--root DIR] [--enable-web] [--firewall]
#
#   --bin DIR     built binaries: left4me-helper (required), left4me and
#                 l4d2ctl (installed to /usr/local/bin when present)
#   --root DIR    data root (LEFT4ME_ROOT); default: the one in an existing
#                 /etc/left4me/host.env, else /var/lib/left4me
#   --enable-web  enable and start left4me-web.service (needs left4me)
#   --firewall    load the nftables snippet marking the servers' UDP egress
#
# It sets up: users left4me (service) and left4me-sandbox (build scripts),
# the data root and its directories, /etc/left4me (host.env, web.env, the
# sandbox resolver), the root helpers in /usr/local/libexec/left4me, the
# units, drop-ins and slices in /etc/systemd/system, /etc/sudoers.d/left4me
# (checked with visudo first) and the UDP buffer sysctls.
set -euo pipefail

deploy=$(cd "$(dirname "$0")" && pwd)
default_root=/var/lib/left4me
helper_dir=/usr/local/libexec/left4me
etc_dir=/etc/left4me
unit_dir=/etc/systemd/system
user=left4me
sandbox_user=left4me-sandbox

usage() {
	sed -n 's/^# \{0,1\}//; 6,13p' "$0" >&2
	exit 2
}

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "install.sh: $*"; }

bin_dir="" root="" enable_web=0 firewall=0
while [ $# -gt 0 ]; do
	case "$1" in
	--bin) [ $# -ge 2 ] || usage; bin_dir=$2; shift 2 ;;
	--root) [ $# -ge 2 ] || usage; root=$2; shift 2 ;;
	--enable-web) enable_web=1; shift ;;
	--firewall) firewall=1; shift ;;
	-h | --help) usage ;;
	*) echo "install.sh: unknown argument $1" >&2; usage ;;
	esac
done

[ "$(id -u)" = 0 ] || die "run as root"
[ -n "$bin_dir" ] || usage
[ -x "$bin_dir/left4me-helper" ] || die "$bin_dir/left4me-helper is missing: go build -o $bin_dir/left4me-helper ./cmd/left4me-helper"
for tool in systemctl visudo useradd groupadd install nsenter systemd-run; do
	command -v "$tool" >/dev/null || die "$tool is missing (apt-get install systemd sudo passwd util-linux)"
done

# The root: --root, else host.env's, else the default. Units and sudoers
# name it literally, so it must be a plain path.
configured_root=""
if [ -f "$etc_dir/host.env" ]; then
	configured_root=$(sed -n 's/^LEFT4ME_ROOT=["'\'']\{0,1\}\([^"'\'']*\)["'\'']\{0,1\}$/\1/p' "$etc_dir/host.env" | tail -n 1)
fi
if [ -z "$root" ]; then
	root=${configured_root:-$default_root}
elif [ -n "$configured_root" ] && [ "$configured_root" != "$root" ]; then
	die "--root $root differs from LEFT4ME_ROOT=$configured_root in $etc_dir/host.env: edit that file first"
fi
[[ "$root" =~ ^/[A-Za-z0-9_/-]+$ && "$root" != */ && "$root" != *//* ]] ||
	die "data root $root must be an absolute path of letters, digits, _ - and / only"

changed=0
# put SRC DEST MODE OWNER:GROUP installs SRC at DEST when it differs, so a
# second run changes nothing.
put() {
	local src=$1 dest=$2 mode=$3 owner=$4
	if ! cmp -s "$src" "$dest"; then
		install -D -m "$mode" -o "${owner%:*}" -g "${owner#*:}" "$src" "$dest.left4me-new"
		mv -f "$dest.left4me-new" "$dest"
		say "installed $dest"
		changed=1
	fi
	chmod "$mode" "$dest"
	chown "$owner" "$dest"
}

# render SRC prints SRC with the default data root replaced by ours.
render() { sed "s#$default_root#$root#g" "$1"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

install_users() {
	getent group "$user" >/dev/null || groupadd --system "$user"
	getent passwd "$user" >/dev/null ||
		useradd --system --gid "$user" --home-dir "$root" --no-create-home --shell /usr/sbin/nologin --comment "left4me service" "$user"
	getent group "$sandbox_user" >/dev/null || groupadd --system "$sandbox_user"
	getent passwd "$sandbox_user" >/dev/null ||
		useradd --system --gid "$sandbox_user" --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin --comment "left4me build scripts" "$sandbox_user"
}

install_dirs() {
	install -d -m 0750 -o "$user" -g "$user" "$root"
	local d
	for d in installation overlays workshop_cache global_overlay_cache instances runtime steam scripts; do
		install -d -m 0750 -o "$user" -g "$user" "$root/$d"
	done
	install -d -m 0755 -o root -g root "$etc_dir" "$helper_dir"
}

install_config() {
	if [ ! -e "$etc_dir/host.env" ]; then
		render "$deploy/env/host.env.example" >"$tmp/host.env"
		put "$tmp/host.env" "$etc_dir/host.env" 0644 root:root
	fi
	# The helpers refuse a host.env anyone but root can write.
	chown root:root "$etc_dir/host.env"
	chmod 0644 "$etc_dir/host.env"
	if [ ! -e "$etc_dir/web.env" ]; then
		local key
		key=$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n' | cut -c1-48)
		render "$deploy/env/web.env.example" | sed "s#^SECRET_KEY=.*#SECRET_KEY=$key#" >"$tmp/web.env"
		put "$tmp/web.env" "$etc_dir/web.env" 0640 "root:$user"
	fi
	put "$deploy/sandbox-resolv.conf" "$etc_dir/sandbox-resolv.conf" 0644 root:root
	put "$deploy/nftables/left4me.nft" "$etc_dir/left4me.nft" 0644 root:root
}

install_binaries() {
	local n
	# Separate copies, not links: sudo matches each helper by path and name.
	for n in left4me-overlay left4me-systemctl left4me-journalctl left4me-script-sandbox; do
		put "$bin_dir/left4me-helper" "$helper_dir/$n" 0755 root:root
	done
	for n in left4me l4d2ctl; do
		if [ -x "$bin_dir/$n" ]; then
			put "$bin_dir/$n" "/usr/local/bin/$n" 0755 root:root
		fi
	done
}

install_units() {
	local f rel
	while IFS= read -r f; do
		rel=${f#"$deploy/systemd/"}
		mkdir -p "$tmp/units/$(dirname "$rel")"
		render "$f" >"$tmp/units/$rel"
		put "$tmp/units/$rel" "$unit_dir/$rel" 0644 root:root
	done < <(find "$deploy/systemd" -type f | sort)
}

install_sudoers() {
	render "$deploy/sudoers/left4me" >"$tmp/sudoers"
	visudo -cqf "$tmp/sudoers" || die "rendered sudoers file does not pass visudo -c"
	install -d -m 0750 /etc/sudoers.d
	put "$tmp/sudoers" /etc/sudoers.d/left4me 0440 root:root
}

install_sysctl() {
	put "$deploy/sysctl/60-left4me.conf" /etc/sysctl.d/60-left4me.conf 0644 root:root
	sysctl -q -p /etc/sysctl.d/60-left4me.conf 2>/dev/null ||
		say "warning: could not apply the UDP buffer sysctls now (a container?); they apply at boot"
}

install_users
install_dirs
install_config
install_binaries
install_units
install_sudoers
install_sysctl
systemctl daemon-reload

if [ "$firewall" = 1 ]; then
	command -v nft >/dev/null || die "--firewall needs nft (apt-get install nftables)"
	nft -f "$etc_dir/left4me.nft"
	say "loaded $etc_dir/left4me.nft (add it to /etc/nftables.conf to keep it across reboots)"
fi
if [ "$enable_web" = 1 ]; then
	[ -x /usr/local/bin/left4me ] || die "--enable-web needs $bin_dir/left4me"
	systemctl enable --now left4me-web.service
fi

# SteamCMD and srcds_linux are 32-bit: say what is missing, install nothing.
if ! dpkg-query -W -f='${Status}' libc6:i386 2>/dev/null | grep -q "ok installed" ||
	! dpkg-query -W -f='${Status}' lib32z1 2>/dev/null | grep -q "ok installed"; then
	say "note: SteamCMD and the game need 32-bit libraries: dpkg --add-architecture i386 && apt-get update && apt-get install libc6:i386 lib32z1"
fi

if [ "$changed" = 1 ]; then
	say "done: left4me installed for data root $root"
else
	say "done: nothing to change"
fi

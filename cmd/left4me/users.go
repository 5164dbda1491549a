package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/web"
)

// cmdUser: user create NAME [--admin] [--data DIR].
func cmdUser(ctx context.Context, args []string, e env) error {
	if len(args) < 2 || args[0] != "create" {
		return fmt.Errorf("%w: user create NAME [--admin]", errUsage)
	}
	name := args[1]
	fl := flag.NewFlagSet("user create", flag.ContinueOnError)
	fl.SetOutput(e.stderr)
	admin := fl.Bool("admin", false, "make the user an admin")
	data := fl.String("data", "", "demo data directory (instead of DATABASE_URL)")
	if err := fl.Parse(args[2:]); err != nil || fl.NArg() != 0 {
		return fmt.Errorf("%w: user create NAME [--admin]", errUsage)
	}
	if err := web.ValidateUserName(name); err != nil {
		return err
	}
	password := e.getenv("LEFT4ME_ADMIN_PASSWORD")
	if password == "" {
		var err error
		if password, err = promptPassword(e); err != nil {
			return err
		}
	}
	svc, err := openServices(ctx, config{DatabaseURL: databaseURL(e.getenv, *data)})
	if err != nil {
		return err
	}
	defer svc.db.Close()
	if err := createUser(ctx, svc, name, password, *admin); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "left4me: created user %s (admin: %v)\n", name, *admin)
	return nil
}

func createUser(ctx context.Context, svc *services, name, password string, admin bool) error {
	if err := web.ValidatePassword(password); err != nil {
		return err
	}
	hash, err := web.HashPassword(password, web.DefaultPasswordParams)
	if err != nil {
		return err
	}
	return svc.users.CreateUser(ctx, &left4me.User{Name: name, Admin: admin, PasswordHash: hash})
}

// promptPassword asks twice without echo on a terminal; from a pipe it
// reads one line.
func promptPassword(e env) (string, error) {
	f, ok := e.stdin.(*os.File)
	if !ok || !isTerminal(f) {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fmt.Fprint(e.stderr, "Password: ")
	p1, err := readNoEcho(f)
	if err != nil {
		return "", err
	}
	fmt.Fprint(e.stderr, "\nRepeat: ")
	p2, err := readNoEcho(f)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	if p1 != p2 {
		return "", left4me.Errorf(left4me.EINVALID, "the passwords differ")
	}
	return p1, nil
}

// cmdToken: token create NAME [--data DIR] prints a new API token of user
// NAME on stdout, alone, so scripts can capture it.
func cmdToken(ctx context.Context, args []string, e env) error {
	if len(args) < 2 || args[0] != "create" {
		return fmt.Errorf("%w: token create NAME", errUsage)
	}
	fl := flag.NewFlagSet("token create", flag.ContinueOnError)
	fl.SetOutput(e.stderr)
	data := fl.String("data", "", "demo data directory (instead of DATABASE_URL)")
	label := fl.String("label", "cli", "name of the token")
	if err := fl.Parse(args[2:]); err != nil || fl.NArg() != 0 {
		return fmt.Errorf("%w: token create NAME", errUsage)
	}
	svc, err := openServices(ctx, config{DatabaseURL: databaseURL(e.getenv, *data)})
	if err != nil {
		return err
	}
	defer svc.db.Close()
	u, err := svc.users.FindUserByName(ctx, args[1])
	if left4me.ErrorCode(err) == left4me.ENOTFOUND {
		return left4me.Errorf(left4me.ENOTFOUND, "no user %q: create it first with `left4me user create %s`", args[1], args[1])
	} else if err != nil {
		return err
	}
	secret, hash, err := web.NewToken()
	if err != nil {
		return err
	}
	if err := svc.users.CreateToken(ctx, &left4me.Token{UserID: u.ID, Name: *label, Hash: hash}); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, secret)
	return nil
}

// cmdMigrate applies pending migrations (Open does) and reports the version.
func cmdMigrate(ctx context.Context, args []string, e env) error {
	fl := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fl.SetOutput(e.stderr)
	data := fl.String("data", "", "demo data directory (instead of DATABASE_URL)")
	if err := fl.Parse(args); err != nil || fl.NArg() != 0 {
		return fmt.Errorf("%w: migrate", errUsage)
	}
	svc, err := openServices(ctx, config{DatabaseURL: databaseURL(e.getenv, *data)})
	if err != nil {
		return err
	}
	defer svc.db.Close()
	v, err := svc.db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "left4me: database at schema version %d\n", v)
	return nil
}

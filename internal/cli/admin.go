package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"switchboard/internal/app"
	"switchboard/internal/auth"
	"switchboard/internal/channel"
	"switchboard/internal/model"
	"switchboard/internal/store"
	"switchboard/internal/web/api"
)

type adminCmd struct {
	name, summary string
	flags         func(fs *flag.FlagSet, v map[string]*string)
	run           func(ctx context.Context, st store.Store, out io.Writer, v map[string]*string) error
}

func adminCommands() []adminCmd {
	return []adminCmd{
		{"user-create", "create a user: --login --password --name --role --org-unit", userFlags, userCreate},
		{"password", "reset a password: --login [--password] (generated when empty)", loginFlags, passwordReset},
		{"token-create", "issue an API token: --login --name", tokenFlags, tokenCreate},
		{"orgunit-create", "create an org unit: --parent --name [--kind]", orgFlags, orgCreate},
		{"channel-create", "create a channel: --kind webhook --name --org-unit [--url]", channelFlags, channelCreate},
	}
}

func strs(fs *flag.FlagSet, v map[string]*string, names ...string) {
	for _, n := range names {
		v[n] = fs.String(n, "", n)
	}
}

func userFlags(fs *flag.FlagSet, v map[string]*string) {
	strs(fs, v, "login", "password", "name", "email")
	v["role"] = fs.String("role", "member", "admin, dept_head, agent, member or auditor")
	v["org-unit"] = fs.String("org-unit", "1", "org unit id the role applies to")
}
func loginFlags(fs *flag.FlagSet, v map[string]*string) { strs(fs, v, "login", "password") }
func tokenFlags(fs *flag.FlagSet, v map[string]*string) { strs(fs, v, "login", "name") }
func orgFlags(fs *flag.FlagSet, v map[string]*string) {
	strs(fs, v, "parent", "name")
	v["kind"] = fs.String("kind", "department", "company, department or team")
}
func channelFlags(fs *flag.FlagSet, v map[string]*string) {
	strs(fs, v, "kind", "name", "url")
	v["org-unit"] = fs.String("org-unit", "1", "owning org unit id")
}

func admin(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, "Usage: switchboard admin <action> [flags]\n\nActions:")
		for _, c := range adminCommands() {
			fmt.Fprintf(env.Stderr, "  %-15s %s\n", c.name, c.summary)
		}
		return errUsage
	}
	for _, c := range adminCommands() {
		if c.name != args[0] {
			continue
		}
		v := map[string]*string{}
		cfg, _, err := loadConfig(env, "admin "+c.name, args[1:], func(fs *flag.FlagSet) { c.flags(fs, v) })
		if err != nil {
			return err
		}
		st, err := openStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		return c.run(ctx, st, env.Stdout, v)
	}
	return fmt.Errorf("unknown admin action %q", args[0])
}

func parseID(s, what string) (int64, error) {
	var id int64
	if _, err := fmt.Sscan(s, &id); err != nil || id <= 0 {
		return 0, fmt.Errorf("--%s: want an id, got %q", what, s)
	}
	return id, nil
}

func userCreate(ctx context.Context, st store.Store, out io.Writer, v map[string]*string) error {
	unit, err := parseID(*v["org-unit"], "org-unit")
	if err != nil {
		return err
	}
	role := model.Role(*v["role"])
	if *v["login"] == "" || len(*v["password"]) < 8 || !role.Valid() {
		return fmt.Errorf("need --login, --password of at least 8 characters and a valid --role")
	}
	hash, err := auth.HashPassword(*v["password"])
	if err != nil {
		return err
	}
	name := *v["name"]
	if name == "" {
		name = *v["login"]
	}
	u, err := st.CreateUser(ctx, model.User{Login: *v["login"], Name: name, Email: *v["email"], PasswordHash: hash,
		Roles: []model.RoleGrant{{Role: role, OrgUnitID: unit}}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "created user %d %s (%s on org unit %d)\n", u.ID, u.Login, role, unit)
	return nil
}

func passwordReset(ctx context.Context, st store.Store, out io.Writer, v map[string]*string) error {
	u, err := st.GetUserByLogin(ctx, *v["login"])
	if err != nil {
		return fmt.Errorf("user %q: %w", *v["login"], err)
	}
	pw := *v["password"]
	if pw == "" {
		pw = auth.RandomToken("")[:16]
	} else if len(pw) < 8 {
		return fmt.Errorf("--password needs at least 8 characters")
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	if err := st.SetPassword(ctx, u.ID, hash); err != nil {
		return err
	}
	fmt.Fprintf(out, "password of %s reset to: %s\n", u.Login, pw)
	return nil
}

func tokenCreate(ctx context.Context, st store.Store, out io.Writer, v map[string]*string) error {
	u, err := st.GetUserByLogin(ctx, *v["login"])
	if err != nil {
		return fmt.Errorf("user %q: %w", *v["login"], err)
	}
	secret, _, err := auth.CreateToken(ctx, st, u.ID, *v["name"], 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "API token for %s (shown once):\n%s\n", u.Login, secret)
	return nil
}

func orgCreate(ctx context.Context, st store.Store, out io.Writer, v map[string]*string) error {
	parent, err := parseID(*v["parent"], "parent")
	if err != nil {
		return err
	}
	if strings.TrimSpace(*v["name"]) == "" {
		return fmt.Errorf("--name is required")
	}
	u, err := st.CreateOrgUnit(ctx, model.OrgUnit{ParentID: parent, Name: *v["name"], Kind: *v["kind"]})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "created org unit %d %s\n", u.ID, u.Name)
	return nil
}

func channelCreate(ctx context.Context, st store.Store, out io.Writer, v map[string]*string) error {
	unit, err := parseID(*v["org-unit"], "org-unit")
	if err != nil {
		return err
	}
	reg := channel.NewRegistry(ctx, st, channel.Env{}, app.Drivers()...)
	settings := map[string]string{}
	if *v["url"] != "" {
		settings["url"] = *v["url"]
	}
	c, reveal, err := api.CreateChannel(ctx, st, reg, *v["kind"], *v["name"], unit, settings)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "created channel %d (%s) %s\ncallback path: /hooks/%s/%d\n", c.ID, c.Kind, c.Name, c.Kind, c.ID)
	for k, val := range reveal {
		fmt.Fprintf(out, "%s (shown once): %s\n", k, val)
	}
	return nil
}

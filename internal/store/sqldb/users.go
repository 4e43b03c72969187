package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// CreateUser inserts a user and its role grants. A taken login is ErrConflict.
func (db *DB) CreateUser(ctx context.Context, u model.User) (model.User, error) {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now().UTC()
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, db.q(`INSERT INTO users (login, name, email, password_hash, disabled, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (login) DO NOTHING RETURNING id`),
			u.Login, u.Name, u.Email, u.PasswordHash, u.Disabled, ts(u.CreatedAt)).Scan(&u.ID)
		if err == sql.ErrNoRows {
			return fmt.Errorf("login %q taken: %w", u.Login, store.ErrConflict)
		}
		if err != nil {
			return err
		}
		return db.insertRoles(ctx, tx, u.ID, u.Roles)
	})
	if err != nil {
		return model.User{}, fmt.Errorf("create user: %w", err)
	}
	u.CreatedAt = fromTS(ts(u.CreatedAt))
	return u, nil
}

func (db *DB) insertRoles(ctx context.Context, tx *sql.Tx, userID int64, roles []model.RoleGrant) error {
	for _, r := range roles {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO user_roles (user_id, role, org_unit_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`),
			userID, string(r.Role), r.OrgUnitID)
		if err != nil {
			return fmt.Errorf("grant %s on %d: %w", r.Role, r.OrgUnitID, err)
		}
	}
	return nil
}

const userCols = `id, login, name, email, password_hash, disabled, created_at`

func (db *DB) scanUser(ctx context.Context, row *sql.Row) (model.User, error) {
	var u model.User
	var created int64
	if err := row.Scan(&u.ID, &u.Login, &u.Name, &u.Email, &u.PasswordHash, &u.Disabled, &created); err != nil {
		return u, err
	}
	u.CreatedAt = fromTS(created)
	roles, err := db.roles(ctx, u.ID)
	u.Roles = roles
	return u, err
}

func (db *DB) roles(ctx context.Context, userID int64) ([]model.RoleGrant, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT role, org_unit_id FROM user_roles WHERE user_id = ? ORDER BY org_unit_id, role`), userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.RoleGrant{}
	for rows.Next() {
		var g model.RoleGrant
		if err := rows.Scan(&g.Role, &g.OrgUnitID); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// GetUser returns a user with roles.
func (db *DB) GetUser(ctx context.Context, id int64) (model.User, error) {
	u, err := db.scanUser(ctx, db.read.QueryRowContext(ctx, db.q(`SELECT `+userCols+` FROM users WHERE id = ?`), id))
	return u, notFound(err, "user", id)
}

// GetUserByLogin returns a user with roles.
func (db *DB) GetUserByLogin(ctx context.Context, login string) (model.User, error) {
	u, err := db.scanUser(ctx, db.read.QueryRowContext(ctx, db.q(`SELECT `+userCols+` FROM users WHERE login = ?`), login))
	return u, notFound(err, "user", login)
}

// ListUsers returns all users with their roles.
func (db *DB) ListUsers(ctx context.Context) ([]model.User, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM users ORDER BY id`)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]model.User, 0, len(ids))
	for _, id := range ids {
		u, err := db.GetUser(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// CountUsers counts users.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// SetPassword replaces a user's password hash and ends their sessions.
func (db *DB) SetPassword(ctx context.Context, id int64, hash string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE users SET password_hash = ? WHERE id = ?`), hash, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("user %d: %w", id, store.ErrNotFound)
		}
		_, err = tx.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE user_id = ?`), id)
		return err
	})
}

// SetRoles replaces a user's role grants.
func (db *DB) SetRoles(ctx context.Context, id int64, roles []model.RoleGrant) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM users WHERE id = ?`), id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("user %d: %w", id, store.ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM user_roles WHERE user_id = ?`), id); err != nil {
			return err
		}
		return db.insertRoles(ctx, tx, id, roles)
	})
}

// CreateToken stores an API token hash.
func (db *DB) CreateToken(ctx context.Context, t model.APIToken) (model.APIToken, error) {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now().UTC()
	}
	err := db.write.QueryRowContext(ctx, db.q(`INSERT INTO api_tokens (user_id, name, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id`),
		t.UserID, t.Name, t.Hash, ts(t.CreatedAt), ts(t.ExpiresAt)).Scan(&t.ID)
	if err != nil {
		return t, fmt.Errorf("create token: %w", err)
	}
	return t, nil
}

// LookupToken finds a token by hash.
func (db *DB) LookupToken(ctx context.Context, hash []byte) (model.APIToken, error) {
	var t model.APIToken
	var created, expires int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT id, user_id, name, hash, created_at, expires_at FROM api_tokens WHERE hash = ?`), hash).
		Scan(&t.ID, &t.UserID, &t.Name, &t.Hash, &created, &expires)
	t.CreatedAt, t.ExpiresAt = fromTS(created), fromTS(expires)
	return t, notFound(err, "token", "")
}

// CreateSession stores a session hash.
func (db *DB) CreateSession(ctx context.Context, s model.Session) error {
	_, err := db.write.ExecContext(ctx, db.q(`INSERT INTO sessions (hash, user_id, expires_at) VALUES (?, ?, ?)`), s.Hash, s.UserID, ts(s.ExpiresAt))
	return err
}

// LookupSession finds a session by hash.
func (db *DB) LookupSession(ctx context.Context, hash []byte) (model.Session, error) {
	var s model.Session
	var exp int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT hash, user_id, expires_at FROM sessions WHERE hash = ?`), hash).Scan(&s.Hash, &s.UserID, &exp)
	s.ExpiresAt = fromTS(exp)
	return s, notFound(err, "session", "")
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := db.write.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE hash = ?`), hash)
	return err
}

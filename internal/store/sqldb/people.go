package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// linksLock serialises the transactions that change people.linked_to, so
// two links made at once on two nodes cannot leave a chain (a person
// linked into one that is itself linked): every link points at a primary.
const linksLock = "people_links"

// ClaimProfiles leases pending identities due by now.
func (db *DB) ClaimProfiles(ctx context.Context, owner string, now, until time.Time, limit int) ([]store.ProfileJob, error) {
	rows, err := db.write.QueryContext(ctx, db.q(`UPDATE identities SET profile_owner = ?, profile_lease_until = ?
		WHERE id IN (SELECT id FROM identities WHERE profile_state IN ('pending', 'denied') AND profile_next_at <= ? AND profile_lease_until < ?
			ORDER BY profile_next_at, id LIMIT ?`+db.d.SkipLocked()+`)
		RETURNING id, person_id, channel_id, external_id, profile_attempts`), owner, ts(until), ts(now), ts(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim profiles: %w", err)
	}
	defer rows.Close()
	var out []store.ProfileJob
	for rows.Next() {
		var j store.ProfileJob
		if err := rows.Scan(&j.IdentityID, &j.PersonID, &j.ChannelID, &j.ExternalID, &j.Attempts); err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// RetryProfile releases an identity's lease until next.
func (db *DB) RetryProfile(ctx context.Context, identityID int64, next time.Time) error {
	_, err := db.write.ExecContext(ctx, db.q(`UPDATE identities SET profile_attempts = profile_attempts + 1, profile_next_at = ?,
		profile_owner = '', profile_lease_until = 0 WHERE id = ?`), ts(next), identityID)
	return err
}

// SaveProfile stores a lookup's outcome and links on a verified match.
func (db *DB) SaveProfile(ctx context.Context, identityID int64, state model.ProfileState, p model.Profile, recheck time.Time) (int64, error) {
	p.Email = strings.ToLower(strings.TrimSpace(p.Email))
	p.Mobile = strings.TrimSpace(p.Mobile)
	p.EmailVerified = p.EmailVerified && p.Email != ""
	p.MobileVerified = p.MobileVerified && p.Mobile != ""
	var primary int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		person, err := db.storeProfile(ctx, tx, identityID, state, p, recheck)
		if err != nil {
			return err
		}
		if state == model.ProfileDone && (p.EmailVerified || p.MobileVerified) {
			if err := db.d.Lock(ctx, tx, linksLock); err != nil {
				return err
			}
			if err := db.autoLink(ctx, tx, identityID, person, p); err != nil {
				return fmt.Errorf("link: %w", err)
			}
		}
		primary, err = primaryOf(ctx, tx, db, person)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("save profile of identity %d: %w", identityID, err)
	}
	return primary, nil
}

// storeProfile writes the outcome on the identity and, when the lookup
// found the user, the profile on the identity's own person; it returns
// that person. A blank field of the profile keeps what the person had, so
// a user the directory knows only partly keeps the callback's name.
func (db *DB) storeProfile(ctx context.Context, tx *sql.Tx, id int64, state model.ProfileState, p model.Profile, recheck time.Time) (int64, error) {
	var person int64
	var next int64 // a denied lookup's recheck; 0 otherwise (claims see only pending and denied rows)
	if state == model.ProfileDenied && !recheck.IsZero() {
		next = ts(recheck)
	} else if state == model.ProfileDenied {
		state = model.ProfileNone // never again: not claimable
	}
	err := tx.QueryRowContext(ctx, db.q(`UPDATE identities SET profile_name = ?, department = ?, email = ?, email_verified = ?,
		mobile = ?, mobile_verified = ?, profile_state = ?, profile_at = ?, profile_next_at = ?, profile_attempts = 0,
		profile_owner = '', profile_lease_until = 0 WHERE id = ? RETURNING person_id`), p.ProfileName, p.Department, p.Email,
		p.EmailVerified, p.Mobile, p.MobileVerified, string(state), ts(time.Now()), next, id).Scan(&person)
	if err != nil {
		return 0, notFound(err, "identity", id)
	}
	if state != model.ProfileDone {
		return person, nil
	}
	_, err = tx.ExecContext(ctx, db.q(`UPDATE people SET name = CASE WHEN ? <> '' THEN ? ELSE name END,
		email = CASE WHEN ? <> '' THEN ? ELSE email END, mobile = CASE WHEN ? <> '' THEN ? ELSE mobile END,
		department = CASE WHEN ? <> '' THEN ? ELSE department END WHERE id = ?`),
		p.ProfileName, p.ProfileName, p.Email, p.Email, p.Mobile, p.Mobile, p.Department, p.Department, person)
	return person, err
}

// autoLink joins person's group and the group of another identity with
// the same verified email or mobile, into the older primary. People an
// admin linked or unlinked are left as the admin decided.
func (db *DB) autoLink(ctx context.Context, tx *sql.Tx, identityID, person int64, p model.Profile) error {
	var mine int64
	var manual bool
	err := tx.QueryRowContext(ctx, db.q(`SELECT COALESCE(linked_to, id), link_manual FROM people WHERE id = ?`), person).Scan(&mine, &manual)
	if err != nil || manual {
		return err
	}
	matches := []struct {
		ok      bool
		col, at string
	}{{p.EmailVerified, "email", p.Email}, {p.MobileVerified, "mobile", p.Mobile}}
	for _, m := range matches {
		if !m.ok {
			continue
		}
		// The predicate repeats the partial index's, so both databases use it.
		var other int64
		err := tx.QueryRowContext(ctx, db.q(`SELECT COALESCE(p.linked_to, p.id) FROM identities i JOIN people p ON p.id = i.person_id
			WHERE i.`+m.col+` = ? AND i.`+m.col+`_verified AND i.`+m.col+` <> '' AND i.id <> ? AND NOT p.link_manual
			AND COALESCE(p.linked_to, p.id) <> ? ORDER BY 1 LIMIT 1`), m.at, identityID, mine).Scan(&other)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		into, from := min(mine, other), max(mine, other)
		_, err = tx.ExecContext(ctx, db.q(`UPDATE people SET linked_to = ? WHERE id = ? OR linked_to = ?`), into, from, from)
		return err
	}
	return nil
}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// primaryOf is the primary person of id.
func primaryOf(ctx context.Context, q rowQuerier, db *DB, id int64) (int64, error) {
	var p int64
	err := q.QueryRowContext(ctx, db.q(`SELECT COALESCE(linked_to, id) FROM people WHERE id = ?`), id).Scan(&p)
	return p, notFound(err, "person", id)
}

// LinkedPeople returns the primary of id and everyone linked into it.
func (db *DB) LinkedPeople(ctx context.Context, id int64) ([]int64, error) {
	p, err := primaryOf(ctx, db.read, db, id)
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id FROM people WHERE id = ? OR linked_to = ? ORDER BY id`), p, p)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// LinkIdentity links identityID's group into personID's, as an admin's
// decision that automatic linking then leaves alone.
func (db *DB) LinkIdentity(ctx context.Context, personID, identityID int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.d.Lock(ctx, tx, linksLock); err != nil {
			return err
		}
		into, err := primaryOf(ctx, tx, db, personID)
		if err != nil {
			return err
		}
		from, err := db.identityPrimary(ctx, tx, identityID)
		if err != nil {
			return err
		}
		if into == from {
			return fmt.Errorf("identity %d is person %d already: %w", identityID, into, store.ErrConflict)
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE people SET linked_to = ?, link_manual = TRUE WHERE id = ? OR linked_to = ?`),
			into, from, from); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.q(`UPDATE people SET link_manual = TRUE WHERE id = ?`), into)
		return err
	})
}

// identityPrimary is the primary person of an identity.
func (db *DB) identityPrimary(ctx context.Context, tx *sql.Tx, identityID int64) (int64, error) {
	var p int64
	err := tx.QueryRowContext(ctx, db.q(`SELECT COALESCE(p.linked_to, p.id) FROM identities i JOIN people p ON p.id = i.person_id
		WHERE i.id = ?`), identityID).Scan(&p)
	return p, notFound(err, "identity", identityID)
}

// UnlinkIdentity takes the identity's own person out of its group. When
// that person is the group's primary, the oldest other member becomes it.
func (db *DB) UnlinkIdentity(ctx context.Context, identityID int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.d.Lock(ctx, tx, linksLock); err != nil {
			return err
		}
		var person, linked int64
		err := tx.QueryRowContext(ctx, db.q(`SELECT p.id, COALESCE(p.linked_to, 0) FROM identities i JOIN people p ON p.id = i.person_id
			WHERE i.id = ?`), identityID).Scan(&person, &linked)
		if err != nil {
			return notFound(err, "identity", identityID)
		}
		if linked == 0 {
			if err := db.promoteMember(ctx, tx, person); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, db.q(`UPDATE people SET linked_to = NULL, link_manual = TRUE WHERE id = ?`), person)
		return err
	})
}

// promoteMember makes the oldest person linked into primary the primary
// of the others; ErrConflict when nobody is linked into it.
func (db *DB) promoteMember(ctx context.Context, tx *sql.Tx, primary int64) error {
	var next int64
	err := tx.QueryRowContext(ctx, db.q(`SELECT COALESCE(MIN(id), 0) FROM people WHERE linked_to = ?`), primary).Scan(&next)
	if err != nil {
		return err
	}
	if next == 0 {
		return fmt.Errorf("person %d is not linked to anyone: %w", primary, store.ErrConflict)
	}
	if _, err := tx.ExecContext(ctx, db.q(`UPDATE people SET linked_to = NULL WHERE id = ?`), next); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, db.q(`UPDATE people SET linked_to = ? WHERE linked_to = ?`), next, primary)
	return err
}

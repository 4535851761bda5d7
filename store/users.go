package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/lorehq/lore"
)

var _ lore.AccountStore = (*Store)(nil)

// CountUsers returns the number of users.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, mapErr(err)
}

// CreateUser inserts u; with firstOnly it fails with ECONFLICT once any user exists. A duplicate
// e-mail is ECONFLICT.
func (s *Store) CreateUser(ctx context.Context, u *lore.User, passwordHash string, firstOnly bool) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		if firstOnly {
			if s.dialect == Postgres {
				// Serialises concurrent first-run submissions.
				if _, err := tx.ExecContext(ctx, `LOCK TABLE users IN EXCLUSIVE MODE`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return lore.Errorf(lore.ECONFLICT, "Lore is already set up: sign in instead.")
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO users (email, password_hash, role, created_at)
			VALUES ($1, $2, $3, $4) RETURNING id`, u.Email, passwordHash, u.Role, u.CreatedAt).Scan(&u.ID)
		if isConflict(err) {
			return lore.Errorf(lore.ECONFLICT, "A user with the e-mail %q already exists.", u.Email)
		}
		return mapErr(err)
	})
}

// FindUserByEmail returns the user with the e-mail and their password hash, or ENOTFOUND.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (*lore.User, string, error) {
	u := &lore.User{}
	var hash string
	err := s.db.QueryRowContext(ctx, `SELECT id, email, role, created_at, password_hash FROM users WHERE email = $1`, email).
		Scan(&u.ID, &u.Email, &u.Role, &u.CreatedAt, &hash)
	if err == sql.ErrNoRows {
		return nil, "", notFound("No user has the e-mail %q.", email)
	}
	if err != nil {
		return nil, "", mapErr(err)
	}
	return u, hash, s.fillTeamIDs(ctx, u)
}

// FindUserByID returns the user with the id, or ENOTFOUND.
func (s *Store) FindUserByID(ctx context.Context, id int64) (*lore.User, error) {
	u := &lore.User{}
	err := s.db.QueryRowContext(ctx, `SELECT id, email, role, created_at FROM users WHERE id = $1`, id).
		Scan(&u.ID, &u.Email, &u.Role, &u.CreatedAt)
	if err == sql.ErrNoRows {
		return nil, notFound("User %d does not exist.", id)
	}
	if err != nil {
		return nil, mapErr(err)
	}
	return u, s.fillTeamIDs(ctx, u)
}

func (s *Store) fillTeamIDs(ctx context.Context, u *lore.User) error {
	rows, err := s.db.QueryContext(ctx, `SELECT team_id FROM team_members WHERE user_id = $1 ORDER BY team_id`, u.ID)
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	u.TeamIDs = nil
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		u.TeamIDs = append(u.TeamIDs, id)
	}
	return rows.Err()
}

// ListUsers returns every user ordered by e-mail.
func (s *Store) ListUsers(ctx context.Context) ([]*lore.User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, email, role, created_at FROM users ORDER BY email`)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*lore.User
	for rows.Next() {
		u := &lore.User{}
		if err := rows.Scan(&u.ID, &u.Email, &u.Role, &u.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, ses *lore.Session) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		ses.TokenHash, ses.UserID, ses.CreatedAt, ses.ExpiresAt)
	return mapErr(err)
}

// FindSession returns the session with the token hash, or ENOTFOUND.
func (s *Store) FindSession(ctx context.Context, tokenHash string) (*lore.Session, error) {
	ses := &lore.Session{TokenHash: tokenHash}
	err := s.db.QueryRowContext(ctx, `SELECT user_id, created_at, expires_at FROM sessions WHERE token_hash = $1`, tokenHash).
		Scan(&ses.UserID, &ses.CreatedAt, &ses.ExpiresAt)
	if err == sql.ErrNoRows {
		return nil, notFound("session not found")
	}
	return ses, mapErr(err)
}

// DeleteSession deletes a session and, in passing, every expired one.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1 OR expires_at < $2`, tokenHash, time.Now().UTC())
	return mapErr(err)
}

// CreateToken stores an API token by its hash.
func (s *Store) CreateToken(ctx context.Context, t *lore.APIToken, tokenHash string) error {
	err := s.db.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		t.UserID, t.Name, tokenHash, t.CreatedAt).Scan(&t.ID)
	return mapErr(err)
}

// FindToken returns the token with the hash, or ENOTFOUND, and records its use.
func (s *Store) FindToken(ctx context.Context, tokenHash string) (*lore.APIToken, error) {
	t := &lore.APIToken{}
	err := s.db.QueryRowContext(ctx, `SELECT id, user_id, name, created_at FROM api_tokens WHERE token_hash = $1`, tokenHash).
		Scan(&t.ID, &t.UserID, &t.Name, &t.CreatedAt)
	if err == sql.ErrNoRows {
		return nil, notFound("token not found")
	}
	return t, mapErr(err)
}

// ListTokens returns the user's API tokens, newest first.
func (s *Store) ListTokens(ctx context.Context, userID int64) ([]*lore.APIToken, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, user_id, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY id DESC`, userID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*lore.APIToken
	for rows.Next() {
		t := &lore.APIToken{}
		var last sql.NullTime
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.CreatedAt, &last); err != nil {
			return nil, err
		}
		if last.Valid {
			t.LastUsedAt = &last.Time
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteToken revokes one of the user's tokens, or returns ENOTFOUND.
func (s *Store) DeleteToken(ctx context.Context, userID, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("Token %d does not exist.", id)
	}
	return nil
}

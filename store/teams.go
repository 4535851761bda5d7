package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/lorehq/lore"
)

// ListTeams returns every team with its members' e-mails, ordered by name.
func (s *Store) ListTeams(ctx context.Context) ([]*lore.Team, error) { return s.listTeams(ctx, 0) }

// listTeams returns one team (id) or all (id 0) with their members.
func (s *Store) listTeams(ctx context.Context, id int64) ([]*lore.Team, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.name, t.created_at, COALESCE(u.email, '')
		FROM teams t LEFT JOIN team_members m ON m.team_id = t.id LEFT JOIN users u ON u.id = m.user_id
		WHERE $1 = 0 OR t.id = $1
		ORDER BY t.name, u.email`, id)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*lore.Team
	for rows.Next() {
		var t lore.Team
		var email string
		if err := rows.Scan(&t.ID, &t.Name, &t.CreatedAt, &email); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != t.ID {
			t.Members = []string{}
			out = append(out, &t)
		}
		if email != "" {
			last := out[len(out)-1]
			last.Members = append(last.Members, email)
		}
	}
	return out, rows.Err()
}

// FindTeam returns one team, or ENOTFOUND.
func (s *Store) FindTeam(ctx context.Context, id int64) (*lore.Team, error) {
	teams, err := s.listTeams(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(teams) == 0 {
		return nil, notFound("Team %d does not exist.", id)
	}
	return teams[0], nil
}

// SaveTeam creates or replaces a team and its members in one transaction.
func (s *Store) SaveTeam(ctx context.Context, t *lore.Team) error {
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" {
		return lore.Errorf(lore.EINVALID, "Team name is required.")
	}
	if len(t.Name) > lore.MaxNameLen {
		return lore.Errorf(lore.EINVALID, "Team name is longer than %d characters.", lore.MaxNameLen)
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		var ids []int64
		seen := map[string]bool{}
		for _, e := range t.Members {
			e = strings.ToLower(strings.TrimSpace(e))
			if e == "" || seen[e] {
				continue
			}
			seen[e] = true
			var id int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = $1`, e).Scan(&id)
			if err == sql.ErrNoRows {
				return lore.Errorf(lore.EINVALID, "No user has the e-mail %q; create the user first.", e)
			} else if err != nil {
				return mapErr(err)
			}
			ids = append(ids, id)
		}
		var err error
		if t.ID == 0 {
			if t.CreatedAt.IsZero() {
				t.CreatedAt = s.now().UTC()
			}
			err = tx.QueryRowContext(ctx, `INSERT INTO teams (name, created_at) VALUES ($1, $2) RETURNING id`, t.Name, t.CreatedAt).Scan(&t.ID)
		} else {
			var res sql.Result
			res, err = tx.ExecContext(ctx, `UPDATE teams SET name = $1 WHERE id = $2`, t.Name, t.ID)
			if err == nil {
				if n, _ := res.RowsAffected(); n == 0 {
					return notFound("Team %d does not exist.", t.ID)
				}
			}
		}
		if isConflict(err) {
			return lore.Errorf(lore.ECONFLICT, "A team named %q already exists.", t.Name)
		} else if err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM team_members WHERE team_id = $1`, t.ID); err != nil {
			return mapErr(err)
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)`, t.ID, id); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
}

// DeleteTeam deletes a team, or returns ENOTFOUND.
func (s *Store) DeleteTeam(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM teams WHERE id = $1`, id)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("Team %d does not exist.", id)
	}
	return nil
}

// RecordAudit appends an audit entry.
func (s *Store) RecordAudit(ctx context.Context, e *lore.AuditEntry) error {
	if e.At.IsZero() {
		e.At = s.now().UTC()
	}
	var actor any
	if e.ActorID != 0 {
		actor = e.ActorID
	}
	err := s.db.QueryRowContext(ctx, `INSERT INTO audit_log (at, actor_id, actor_email, action, target, detail)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, e.At, actor, e.ActorEmail, e.Action, e.Target, e.Detail).Scan(&e.ID)
	return mapErr(err)
}

// ListAudit returns the latest audit entries, newest first.
func (s *Store) ListAudit(ctx context.Context, limit int) ([]*lore.AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, COALESCE(actor_id, 0), actor_email, action, target, detail
		FROM audit_log ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*lore.AuditEntry
	for rows.Next() {
		e := &lore.AuditEntry{}
		if err := rows.Scan(&e.ID, &e.At, &e.ActorID, &e.ActorEmail, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

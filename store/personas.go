package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/lorehq/lore"
)

// SavePersona creates (ID 0) or replaces a persona with its tables and teams in one
// transaction. Unknown tables or teams are EINVALID; a duplicate name ECONFLICT.
func (s *Store) SavePersona(ctx context.Context, p *lore.Persona) error {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return lore.Errorf(lore.EINVALID, "Persona name is required.")
	}
	if p.Glossary == nil {
		p.Glossary = []lore.GlossaryTerm{}
	}
	gl, _ := json.Marshal(p.Glossary)
	now := s.now().UTC()
	p.UpdatedAt = now
	return s.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		if p.ID == 0 {
			p.CreatedAt = now
			err = tx.QueryRowContext(ctx, `INSERT INTO personas (name, description, instructions, glossary, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, p.Name, p.Description, p.Instructions, string(gl), now, now).Scan(&p.ID)
		} else {
			var res sql.Result
			res, err = tx.ExecContext(ctx, `UPDATE personas SET name = $1, description = $2, instructions = $3, glossary = $4, updated_at = $5 WHERE id = $6`,
				p.Name, p.Description, p.Instructions, string(gl), now, p.ID)
			if err == nil {
				if n, _ := res.RowsAffected(); n == 0 {
					return notFound("Persona %d does not exist.", p.ID)
				}
			}
		}
		if isConflict(err) {
			return lore.Errorf(lore.ECONFLICT, "A persona named %q already exists.", p.Name)
		} else if err != nil {
			return mapErr(err)
		}
		for _, q := range []string{`DELETE FROM persona_tables WHERE persona_id = $1`, `DELETE FROM persona_teams WHERE persona_id = $1`} {
			if _, err := tx.ExecContext(ctx, q, p.ID); err != nil {
				return mapErr(err)
			}
		}
		for _, id := range p.TableIDs {
			var removed bool
			if err := tx.QueryRowContext(ctx, `SELECT removed FROM catalog_tables WHERE id = $1`, id).Scan(&removed); err == sql.ErrNoRows {
				return lore.Errorf(lore.EINVALID, "Table %d does not exist; add only processed tables.", id)
			} else if err != nil {
				return mapErr(err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO persona_tables (persona_id, table_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, p.ID, id); err != nil {
				return mapErr(err)
			}
		}
		for _, id := range p.TeamIDs {
			_, err := tx.ExecContext(ctx, `INSERT INTO persona_teams (persona_id, team_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, p.ID, id)
			if isConflict(err) {
				return lore.Errorf(lore.EINVALID, "Team %d does not exist.", id)
			} else if err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
}

// FindPersona returns a persona with its tables, teams and warnings, or ENOTFOUND.
func (s *Store) FindPersona(ctx context.Context, id int64) (*lore.Persona, error) {
	ps, err := s.listPersonas(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, notFound("Persona %d does not exist.", id)
	}
	return ps[0], nil
}

// ListPersonas returns every persona ordered by name.
func (s *Store) ListPersonas(ctx context.Context) ([]*lore.Persona, error) {
	return s.listPersonas(ctx, 0)
}

func (s *Store) listPersonas(ctx context.Context, id int64) ([]*lore.Persona, error) {
	q := `SELECT id, name, description, instructions, glossary, created_at, updated_at FROM personas`
	var args []any
	if id != 0 {
		q += ` WHERE id = $1`
		args = append(args, id)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY name`, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	var out []*lore.Persona
	byID := map[int64]*lore.Persona{}
	for rows.Next() {
		p := &lore.Persona{TableIDs: []int64{}, TeamIDs: []int64{}}
		var gl string
		if err := rows.Scan(&p.ID, &p.Name, &p.Description, &p.Instructions, &gl, &p.CreatedAt, &p.UpdatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		_ = json.Unmarshal([]byte(gl), &p.Glossary)
		out = append(out, p)
		byID[p.ID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	trows, err := s.db.QueryContext(ctx, `SELECT pt.persona_id, pt.table_id, t.removed, t.database_name, t.schema_name, t.name
		FROM persona_tables pt JOIN catalog_tables t ON t.id = pt.table_id ORDER BY t.schema_name, t.name`)
	if err != nil {
		return nil, mapErr(err)
	}
	for trows.Next() {
		var pid, tid int64
		var removed bool
		var ref lore.TableRef
		if err := trows.Scan(&pid, &tid, &removed, &ref.Database, &ref.Schema, &ref.Name); err != nil {
			trows.Close()
			return nil, err
		}
		if p := byID[pid]; p != nil {
			p.TableIDs = append(p.TableIDs, tid)
			if removed {
				p.Warnings = append(p.Warnings, "Table "+ref.String()+" was dropped or deselected in the warehouse; its metadata is no longer current.")
			}
		}
	}
	trows.Close()
	mrows, err := s.db.QueryContext(ctx, `SELECT persona_id, team_id FROM persona_teams ORDER BY team_id`)
	if err != nil {
		return nil, mapErr(err)
	}
	defer mrows.Close()
	for mrows.Next() {
		var pid, tid int64
		if err := mrows.Scan(&pid, &tid); err != nil {
			return nil, err
		}
		if p := byID[pid]; p != nil {
			p.TeamIDs = append(p.TeamIDs, tid)
		}
	}
	return out, mrows.Err()
}

// DeletePersona deletes a persona, or returns ENOTFOUND.
func (s *Store) DeletePersona(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM personas WHERE id = $1`, id)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("Persona %d does not exist.", id)
	}
	return nil
}

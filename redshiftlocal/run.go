package redshiftlocal

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// setStatus moves st (and, for a batch parent, nothing else) to status under the store lock.
func (s *Server) setStatus(st *statement, status string, at time.Time) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	st.status, st.updatedAt = status, at
	if status == statusStarted {
		st.startedAt = at
	}
}

// finish ends st with status and, when it failed, PostgreSQL's error text.
func (s *Server) finish(st *statement, status, errText string) {
	now := time.Now()
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	st.status, st.updatedAt, st.errText = status, now, errText
	if !st.startedAt.IsZero() {
		st.duration = now.Sub(st.startedAt).Nanoseconds()
	} else {
		st.duration = 0
	}
}

func (s *Server) nextQueryID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.qid++
	return s.qid
}

// run executes st, a single statement or a batch parent, in the background; it is started with
// s.wg incremented and ctx cancelled by CancelStatement or Close.
func (s *Server) run(ctx context.Context, st *statement) {
	defer s.wg.Done()
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		s.endAll(st, statusAborted, "")
		return
	}
	defer func() { <-s.slots }()
	s.setStatus(st, statusPicked, time.Now())
	for _, sub := range st.subs {
		s.setStatus(sub, statusPicked, time.Now())
	}
	conn, err := s.open(ctx, st.target)
	if err != nil {
		s.fail(ctx, st, nil, err)
		return
	}
	defer conn.Close(context.Background())
	s.store.mu.Lock()
	st.pid = conn.PID()
	s.store.mu.Unlock()
	s.setStatus(st, statusStarted, time.Now())
	if st.subs == nil {
		if err := s.runOne(ctx, conn, st); err != nil {
			s.fail(ctx, st, st, err)
			return
		}
		s.finish(st, statusFinished, "")
		return
	}
	if err := exec(ctx, conn, "BEGIN"); err != nil {
		s.fail(ctx, st, nil, err)
		return
	}
	for _, sub := range st.subs {
		s.store.mu.Lock()
		sub.pid = st.pid
		s.store.mu.Unlock()
		s.setStatus(sub, statusStarted, time.Now())
		if err := s.runOne(ctx, conn, sub); err != nil {
			s.fail(ctx, st, sub, err)
			return
		}
		s.finish(sub, statusFinished, "")
	}
	if err := exec(ctx, conn, "COMMIT"); err != nil {
		s.fail(ctx, st, nil, err)
		return
	}
	s.store.mu.Lock()
	st.rows, st.size = 0, 0
	for _, sub := range st.subs {
		st.rows += max(sub.rows, 0)
		st.size += max(sub.size, 0)
		st.hasResult = st.hasResult || sub.hasResult
	}
	s.store.mu.Unlock()
	s.finish(st, statusFinished, "")
}

// open connects a fresh session to the target's database and switches to the caller's role.
func (s *Server) open(ctx context.Context, t target) (*pgconn.PgConn, error) {
	p, err := s.pool(ctx, t.Database)
	if err != nil {
		return nil, err
	}
	if err := s.prepareRole(ctx, p, t); err != nil {
		return nil, err
	}
	conn, err := s.connect(ctx, t.Database)
	if err != nil {
		return nil, err
	}
	if err := exec(ctx, conn, "SET ROLE "+pgx.Identifier{t.Role}.Sanitize()); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

func exec(ctx context.Context, conn *pgconn.PgConn, sql string) error {
	_, err := conn.Exec(ctx, sql).ReadAll()
	return err
}

// fail ends a statement that could not finish: ABORTED when it was cancelled, FAILED with the
// database error otherwise. In a batch, the failing sub-statement gets the error and the ones
// after it are aborted; the transaction was rolled back with the session.
func (s *Server) fail(ctx context.Context, st, failed *statement, err error) {
	s.store.mu.Lock()
	aborted := st.aborted
	s.store.mu.Unlock()
	if aborted || ctx.Err() != nil {
		s.endAll(st, statusAborted, "")
		return
	}
	text := errorText(err)
	s.log.Info("redshiftlocal: statement failed", "id", st.id, "error", text)
	if failed != nil && failed != st {
		s.finish(failed, statusFailed, text)
	}
	for _, sub := range st.subs {
		s.store.mu.Lock()
		done := sub.terminal()
		s.store.mu.Unlock()
		if !done {
			s.finish(sub, statusAborted, "")
		}
	}
	s.finish(st, statusFailed, text)
}

// endAll ends st and its unfinished sub-statements with status.
func (s *Server) endAll(st *statement, status, text string) {
	for _, sub := range st.subs {
		s.store.mu.Lock()
		done := sub.terminal()
		s.store.mu.Unlock()
		if !done {
			s.finish(sub, status, text)
		}
	}
	s.finish(st, status, text)
}

// errResultTooLarge is the Data API's answer to a result over the size limit.
var errResultTooLarge = &sessionError{text: "ERROR: Database response exceeded size limit. Add a LIMIT clause or narrow the query and try again."}

// runOne executes one statement on conn and keeps its result set.
func (s *Server) runOne(ctx context.Context, conn *pgconn.PgConn, st *statement) error {
	values := map[string]string{}
	for _, p := range st.params {
		values[p.Name] = p.Value
	}
	sql, args, _ := bindParams(st.sql, values)
	sql = translateDialect(sql)
	params := make([][]byte, len(args))
	for i, a := range args {
		params[i] = []byte(a)
	}
	rr := conn.ExecParams(ctx, sql, params, nil, nil, nil)
	fds := append([]pgconn.FieldDescription(nil), rr.FieldDescriptions()...)
	res := &result{}
	var size int64
	tooLarge := false
	var row []byte
	for rr.NextRow() {
		if tooLarge {
			continue
		}
		row = append(row[:0], '[')
		for i, v := range rr.Values() {
			if i > 0 {
				row = append(row, ',')
			}
			size += int64(len(v))
			row = appendField(row, fds[i].DataTypeOID, v)
		}
		row = append(row, ']')
		res.bytes += int64(len(row))
		if res.bytes > s.cfg.MaxResultBytes {
			tooLarge, res.rows = true, nil
			continue
		}
		res.rows = append(res.rows, append([]byte(nil), row...))
	}
	tag, err := rr.Close()
	if err != nil {
		return err
	}
	if tooLarge {
		return errResultTooLarge
	}
	n := tag.RowsAffected()
	if len(fds) > 0 {
		cols, err := columnsOf(ctx, conn, fds)
		if err != nil {
			return fmt.Errorf("describe result columns: %w", err)
		}
		res.columns = cols
		n = int64(len(res.rows))
		s.store.keepResult(st, res)
	}
	s.store.mu.Lock()
	st.hasResult = len(fds) > 0
	st.rows, st.size = n, size
	s.store.mu.Unlock()
	return nil
}

// columnsOf builds ColumnMetadata for a result's fields, reading table columns and type names
// from the catalog on the statement's own session.
func columnsOf(ctx context.Context, conn *pgconn.PgConn, fds []pgconn.FieldDescription) ([]columnMetadata, error) {
	type colKey struct {
		rel uint32
		num uint16
	}
	type colInfo struct{ name, schema, table, notNull string }
	cols := map[colKey]colInfo{}
	typeNames := map[uint32]string{}
	var rels, types []string
	for _, fd := range fds {
		if fd.TableOID != 0 {
			rels = append(rels, strconv.FormatUint(uint64(fd.TableOID), 10))
		}
		if _, ok := builtinTypeNames[fd.DataTypeOID]; !ok {
			types = append(types, strconv.FormatUint(uint64(fd.DataTypeOID), 10))
		}
	}
	if len(rels) > 0 {
		res, err := conn.Exec(ctx, `SELECT a.attrelid, a.attnum, a.attname, n.nspname, c.relname, a.attnotnull
			FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE a.attnum > 0 AND a.attrelid IN (`+strings.Join(rels, ",")+`)`).ReadAll()
		if err != nil {
			return nil, err
		}
		for _, row := range res[0].Rows {
			rel, _ := strconv.ParseUint(string(row[0]), 10, 32)
			num, _ := strconv.ParseUint(string(row[1]), 10, 16)
			cols[colKey{uint32(rel), uint16(num)}] = colInfo{string(row[2]), string(row[3]), string(row[4]), string(row[5])}
		}
	}
	if len(types) > 0 {
		res, err := conn.Exec(ctx, `SELECT oid, typname FROM pg_type WHERE oid IN (`+strings.Join(types, ",")+`)`).ReadAll()
		if err != nil {
			return nil, err
		}
		for _, row := range res[0].Rows {
			oid, _ := strconv.ParseUint(string(row[0]), 10, 32)
			typeNames[uint32(oid)] = string(row[1])
		}
	}
	out := make([]columnMetadata, len(fds))
	for i, fd := range fds {
		m := columnMetadata{Label: fd.Name, Name: fd.Name, Nullable: 1}
		if ci, ok := cols[colKey{fd.TableOID, fd.TableAttributeNumber}]; ok {
			m.Name, m.TableName = ci.name, ci.table
			if ci.schema != "pg_catalog" && ci.schema != "information_schema" {
				m.SchemaName = ci.schema
			}
			if ci.notNull == "t" {
				m.Nullable = 0
			}
		}
		name, ok := builtinTypeNames[fd.DataTypeOID]
		if !ok {
			name = typeNames[fd.DataTypeOID]
		}
		describeType(&m, fd.DataTypeOID, fd.TypeModifier, name)
		out[i] = m
	}
	return out, nil
}

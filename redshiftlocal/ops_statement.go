package redshiftlocal

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// maxSQLBytes is the documented maximum size of one SQL statement.
const maxSQLBytes = 100 * 1024

type executeInput struct {
	targetInput
	Sql           *string        `json:"Sql"`
	Sqls          []string       `json:"Sqls"`
	Parameters    []sqlParameter `json:"Parameters"`
	StatementName string         `json:"StatementName"`
	WithEvent     bool           `json:"WithEvent"`
	ClientToken   string         `json:"ClientToken"`
	ResultFormat  string         `json:"ResultFormat"`
}

type executeOutput struct {
	Id                string      `json:"Id"`
	CreatedAt         json.Number `json:"CreatedAt"`
	ClusterIdentifier string      `json:"ClusterIdentifier,omitempty"`
	WorkgroupName     string      `json:"WorkgroupName,omitempty"`
	Database          string      `json:"Database,omitempty"`
	DbUser            string      `json:"DbUser,omitempty"`
	SecretArn         string      `json:"SecretArn,omitempty"`
}

// roleSwitch matches SQL that would leave the caller's role: the endpoint's own session user is
// a superuser, so a statement must not be able to switch back to it.
var roleSwitch = regexp.MustCompile(`(?i)\b(set|reset)\s+(session\s+|local\s+)?role\b|\bsession[\s_]+authorization\b|\bset_config\s*\(\s*'role'`)

func opExecuteStatement(s *Server, ctx context.Context, body []byte) (any, error) {
	in, err := decode[executeInput](body)
	if err != nil {
		return nil, err
	}
	if in.Sql == nil {
		return nil, validationf("1 validation error detected: Value null at 'sql' failed to satisfy constraint: Member must not be null")
	}
	return s.submit(in, []string{*in.Sql}, false)
}

func opBatchExecuteStatement(s *Server, ctx context.Context, body []byte) (any, error) {
	in, err := decode[executeInput](body)
	if err != nil {
		return nil, err
	}
	if len(in.Sqls) < 1 || len(in.Sqls) > 40 {
		return nil, validationf("1 validation error detected: Value at 'sqls' failed to satisfy constraint: Member must have length less than or equal to 40 and greater than or equal to 1 (got %d statements); split the batch.", len(in.Sqls))
	}
	return s.submit(in, in.Sqls, true)
}

// submit validates an ExecuteStatement or BatchExecuteStatement request, records the statement
// and starts it in the background.
func (s *Server) submit(in executeInput, sqls []string, batch bool) (any, error) {
	op := "ExecuteStatement"
	if batch {
		op = "BatchExecuteStatement"
	}
	used := map[string]bool{}
	values := map[string]string{}
	for _, p := range in.Parameters {
		values[p.Name] = p.Value
	}
	for _, q := range sqls {
		if q == "" {
			return nil, validationf("1 validation error detected: Value at 'sql' failed to satisfy constraint: Member must have length greater than or equal to 1")
		}
		if len(q) > maxSQLBytes {
			return nil, validationf("The SQL statement is %d bytes; the maximum is 100 KB. Shorten the statement or split it.", len(q))
		}
		if roleSwitch.MatchString(q) {
			return nil, validationf("The local Redshift endpoint does not run statements that change the session role or authorization; use DbUser, a secret or grants instead.")
		}
		_, _, u := bindParams(q, values)
		for k := range u {
			used[k] = true
		}
	}
	if err := validateParams(in.Parameters, in.Parameters != nil); err != nil {
		return nil, err
	}
	for _, p := range in.Parameters {
		if !used[p.Name] {
			return nil, validationf("Parameter %s is not referenced as :%s in the SQL; remove it or use it.", p.Name, p.Name)
		}
	}
	if len(in.StatementName) > 2048 {
		return nil, validationf("1 validation error detected: Value at 'statementName' failed to satisfy constraint: Member must have length less than or equal to 2048")
	}
	if len(in.ClientToken) > 64 {
		return nil, validationf("1 validation error detected: Value at 'clientToken' failed to satisfy constraint: Member must have length less than or equal to 64")
	}
	switch in.ResultFormat {
	case "", "JSON":
	case "CSV":
		return nil, validationf("ResultFormat CSV (GetStatementResultV2) is not supported by the local Redshift endpoint; use JSON.")
	default:
		return nil, validationf("1 validation error detected: Value '%s' at 'resultFormat' failed to satisfy constraint: Member must satisfy enum value set: [JSON, CSV]", in.ResultFormat)
	}
	t, err := s.resolveTarget(in.targetInput)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tokenKey := ""
	if in.ClientToken != "" {
		tokenKey = op + "\x00" + in.ClientToken
		if st := s.store.byToken(tokenKey, now); st != nil {
			return executeResponse(st), nil
		}
	}
	if limit := s.cfg.MaxActiveStatements; limit > 0 && s.store.active() >= limit {
		return nil, clientError(errActiveStatements, "Active statements exceeded the allowed quota (%d); wait for running statements to finish.", limit)
	}
	st := &statement{id: newUUID(), params: in.Parameters, name: in.StatementName, target: t,
		createdAt: now, updatedAt: now, status: statusSubmitted, rows: -1, size: -1, duration: -1}
	if batch {
		for i, q := range sqls {
			st.subs = append(st.subs, &statement{id: fmt.Sprintf("%s:%d", st.id, i+1), parent: st, sql: q,
				params: in.Parameters, target: t, createdAt: now, updatedAt: now, status: statusSubmitted,
				rows: -1, size: -1, duration: -1, queryID: s.nextQueryID()})
		}
	} else {
		st.sql = sqls[0]
		st.queryID = s.nextQueryID()
	}
	ctx, cancel := context.WithCancel(s.ctx)
	st.cancel = cancel
	s.store.add(st, tokenKey)
	s.wg.Add(1)
	go func() {
		defer cancel()
		s.run(ctx, st)
	}()
	s.log.Debug("redshiftlocal: statement submitted", "id", st.id, "database", t.Database, "role", t.Role)
	return executeResponse(st), nil
}

func executeResponse(st *statement) executeOutput {
	t := st.target
	return executeOutput{Id: st.id, CreatedAt: epoch(st.createdAt), ClusterIdentifier: t.Cluster,
		WorkgroupName: t.Workgroup, Database: t.Database, DbUser: t.DbUser, SecretArn: t.SecretArn}
}

type cancelOutput struct {
	Status bool `json:"Status"`
}

func opCancelStatement(s *Server, ctx context.Context, body []byte) (any, error) {
	in, err := decode[struct {
		Id string `json:"Id"`
	}](body)
	if err != nil {
		return nil, err
	}
	st, err := s.store.find(in.Id)
	if err != nil {
		return nil, err
	}
	st = st.top()
	s.store.mu.Lock()
	status := st.status
	if !st.terminal() {
		st.aborted = true
	}
	s.store.mu.Unlock()
	if status == statusFinished || status == statusFailed || status == statusAborted {
		return nil, validationf("Could not cancel a query that is already in %s state with ID: %s", status, in.Id)
	}
	st.cancel()
	// Answer once PostgreSQL has given up the statement, so a DescribeStatement right after the
	// cancel sees ABORTED.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		s.store.mu.Lock()
		done := st.terminal()
		s.store.mu.Unlock()
		if done {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	return cancelOutput{Status: true}, nil
}

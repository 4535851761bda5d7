package redshiftlocal

import (
	"context"
	"encoding/json"
	"strings"
)

type describeOutput struct {
	Id                string         `json:"Id"`
	Status            string         `json:"Status"`
	Error             string         `json:"Error,omitempty"`
	QueryString       string         `json:"QueryString,omitempty"`
	QueryParameters   []sqlParameter `json:"QueryParameters,omitempty"`
	CreatedAt         json.Number    `json:"CreatedAt"`
	UpdatedAt         json.Number    `json:"UpdatedAt"`
	Duration          int64          `json:"Duration"`
	HasResultSet      bool           `json:"HasResultSet"`
	ResultRows        int64          `json:"ResultRows"`
	ResultSize        int64          `json:"ResultSize"`
	RedshiftPid       int64          `json:"RedshiftPid"`
	RedshiftQueryId   int64          `json:"RedshiftQueryId"`
	ResultFormat      string         `json:"ResultFormat"`
	ClusterIdentifier string         `json:"ClusterIdentifier,omitempty"`
	WorkgroupName     string         `json:"WorkgroupName,omitempty"`
	Database          string         `json:"Database,omitempty"`
	DbUser            string         `json:"DbUser,omitempty"`
	SecretArn         string         `json:"SecretArn,omitempty"`
	SubStatements     []subOutput    `json:"SubStatements,omitempty"`
}

type subOutput struct {
	Id              string      `json:"Id"`
	Status          string      `json:"Status"`
	Error           string      `json:"Error,omitempty"`
	QueryString     string      `json:"QueryString"`
	CreatedAt       json.Number `json:"CreatedAt"`
	UpdatedAt       json.Number `json:"UpdatedAt"`
	Duration        int64       `json:"Duration"`
	HasResultSet    bool        `json:"HasResultSet"`
	ResultRows      int64       `json:"ResultRows"`
	ResultSize      int64       `json:"ResultSize"`
	RedshiftQueryId int64       `json:"RedshiftQueryId"`
}

func opDescribeStatement(s *Server, ctx context.Context, body []byte) (any, error) {
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
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	t := st.target
	out := describeOutput{Id: st.id, Status: st.status, Error: st.errText, QueryString: st.sql,
		QueryParameters: st.params, CreatedAt: epoch(st.createdAt), UpdatedAt: epoch(st.updatedAt),
		Duration: st.duration, HasResultSet: st.hasResult, ResultRows: st.rows, ResultSize: st.size,
		RedshiftPid: int64(st.pid), RedshiftQueryId: st.queryID, ResultFormat: "JSON",
		ClusterIdentifier: t.Cluster, WorkgroupName: t.Workgroup, Database: t.Database,
		DbUser: t.DbUser, SecretArn: t.SecretArn}
	if st.parent != nil {
		out.RedshiftPid = int64(st.parent.pid)
	}
	for _, sub := range st.subs {
		out.SubStatements = append(out.SubStatements, subOutput{Id: sub.id, Status: sub.status,
			Error: sub.errText, QueryString: sub.sql, CreatedAt: epoch(sub.createdAt),
			UpdatedAt: epoch(sub.updatedAt), Duration: sub.duration, HasResultSet: sub.hasResult,
			ResultRows: sub.rows, ResultSize: sub.size, RedshiftQueryId: sub.queryID})
	}
	return out, nil
}

type listStatementsInput struct {
	Status            string `json:"Status"`
	StatementName     string `json:"StatementName"`
	RoleLevel         *bool  `json:"RoleLevel"`
	ClusterIdentifier string `json:"ClusterIdentifier"`
	WorkgroupName     string `json:"WorkgroupName"`
	Database          string `json:"Database"`
	MaxResults        int    `json:"MaxResults"`
	NextToken         string `json:"NextToken"`
}

type statementData struct {
	Id               string         `json:"Id"`
	Status           string         `json:"Status"`
	QueryString      string         `json:"QueryString,omitempty"`
	QueryStrings     []string       `json:"QueryStrings,omitempty"`
	IsBatchStatement bool           `json:"IsBatchStatement"`
	StatementName    string         `json:"StatementName,omitempty"`
	QueryParameters  []sqlParameter `json:"QueryParameters,omitempty"`
	SecretArn        string         `json:"SecretArn,omitempty"`
	ResultFormat     string         `json:"ResultFormat"`
	CreatedAt        json.Number    `json:"CreatedAt"`
	UpdatedAt        json.Number    `json:"UpdatedAt"`
}

type listStatementsOutput struct {
	Statements []statementData `json:"Statements"`
	NextToken  string          `json:"NextToken,omitempty"`
}

var statementStatuses = []string{"ABORTED", "ALL", "FAILED", "FINISHED", "PICKED", "STARTED", "SUBMITTED"}

func opListStatements(s *Server, ctx context.Context, body []byte) (any, error) {
	in, err := decode[listStatementsInput](body)
	if err != nil {
		return nil, err
	}
	limit, err := maxResults(in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	status := in.Status
	if status == "" {
		status = statusFinished
	}
	valid := false
	for _, v := range statementStatuses {
		valid = valid || v == status
	}
	if !valid {
		return nil, validationf("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [%s]", in.Status, strings.Join(statementStatuses, ", "))
	}
	if in.ClusterIdentifier != "" && in.WorkgroupName != "" {
		return nil, validationf("Only one of ClusterIdentifier or WorkgroupName can be specified.")
	}
	offset, err := pageOffset("ListStatements", in.NextToken)
	if err != nil {
		return nil, err
	}
	sts := s.store.list(func(st *statement) bool {
		return (status == "ALL" || st.status == status) &&
			strings.HasPrefix(st.name, in.StatementName) &&
			(in.ClusterIdentifier == "" || st.target.Cluster == in.ClusterIdentifier) &&
			(in.WorkgroupName == "" || st.target.Workgroup == in.WorkgroupName) &&
			(in.Database == "" || st.target.Database == in.Database)
	})
	sts, next := page("ListStatements", sts, offset, limit)
	out := listStatementsOutput{Statements: []statementData{}, NextToken: next}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	for _, st := range sts {
		d := statementData{Id: st.id, Status: st.status, QueryString: st.sql, IsBatchStatement: st.subs != nil,
			StatementName: st.name, QueryParameters: st.params, SecretArn: st.target.SecretArn,
			ResultFormat: "JSON", CreatedAt: epoch(st.createdAt), UpdatedAt: epoch(st.updatedAt)}
		for _, sub := range st.subs {
			d.QueryStrings = append(d.QueryStrings, sub.sql)
		}
		out.Statements = append(out.Statements, d)
	}
	return out, nil
}

package redshiftlocal

import (
	"context"
	"encoding/json"
)

type getResultOutput struct {
	Records        []json.RawMessage `json:"Records"`
	ColumnMetadata []columnMetadata  `json:"ColumnMetadata"`
	TotalNumRows   int64             `json:"TotalNumRows"`
	NextToken      string            `json:"NextToken,omitempty"`
}

// noResult is the Data API's answer for a statement without a result set to fetch.
func noResult() error {
	return validationf("Query does not have result. Please check query status with DescribeStatement.")
}

func opGetStatementResult(s *Server, ctx context.Context, body []byte) (any, error) {
	in, err := decode[struct {
		Id        string `json:"Id"`
		NextToken string `json:"NextToken"`
	}](body)
	if err != nil {
		return nil, err
	}
	st, err := s.store.find(in.Id)
	if err != nil {
		return nil, err
	}
	op := "GetStatementResult/" + in.Id
	offset, err := pageOffset(op, in.NextToken)
	if err != nil {
		return nil, err
	}
	s.store.mu.Lock()
	status, res, hasResult, batch := st.status, st.result, st.hasResult, st.subs != nil
	s.store.mu.Unlock()
	if status != statusFinished || !hasResult || batch {
		return nil, noResult()
	}
	if res == nil {
		// Evicted by the size cap before its retention ended.
		return nil, notFoundQuery(in.Id)
	}
	if offset > len(res.rows) {
		offset = len(res.rows)
	}
	out := getResultOutput{Records: []json.RawMessage{}, ColumnMetadata: res.columns, TotalNumRows: int64(len(res.rows))}
	size := 0
	end := offset
	for end < len(res.rows) && (end == offset || size+len(res.rows[end]) <= s.cfg.PageBytes) {
		size += len(res.rows[end])
		end++
	}
	out.Records = res.rows[offset:end]
	if end < len(res.rows) {
		out.NextToken = pageToken(op, end)
	}
	return out, nil
}

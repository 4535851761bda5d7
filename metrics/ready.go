package metrics

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"
)

// readyTimeout bounds each readiness check.
const readyTimeout = 2 * time.Second

// Readiness is the body of /readyz: "ok" or "unavailable" per check. Error details go to the
// log only, since /readyz answers anyone.
type Readiness struct {
	Status string `json:"status"`
	Store  string `json:"store"`
	Queue  string `json:"queue"`
}

// Ready answers /readyz: 200 {"status":"ready","store":"ok","queue":"ok"} when the store's
// database answers a ping and the job queue's table (river_job) answers a query; otherwise 503
// with "not ready" and the failed check marked "unavailable". Failures are logged to logger.
func Ready(db *sql.DB, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res := Check(r.Context(), db, logger)
		code := http.StatusOK
		if res.Status != "ready" {
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(res)
	})
}

// Check runs the readiness checks against db.
func Check(ctx context.Context, db *sql.DB, logger *slog.Logger) Readiness {
	res := Readiness{Status: "ready", Store: "ok", Queue: "ok"}
	cctx, cancel := context.WithTimeout(ctx, readyTimeout)
	err := db.PingContext(cctx)
	cancel()
	if err != nil {
		logger.Warn("readiness: the store does not answer", "err", err)
		res.Status, res.Store = "not ready", "unavailable"
	}
	cctx, cancel = context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	var one int
	err = db.QueryRowContext(cctx, `SELECT count(*) FROM (SELECT 1 FROM river_job LIMIT 1) AS q`).Scan(&one)
	if err != nil {
		logger.Warn("readiness: the job queue table does not answer", "err", err)
		res.Status, res.Queue = "not ready", "unavailable"
	}
	return res
}

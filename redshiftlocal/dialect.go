package redshiftlocal

import "regexp"

// approximateCount matches Redshift's APPROXIMATE COUNT(DISTINCT …), which PostgreSQL lacks.
var approximateCount = regexp.MustCompile(`(?i)\bapproximate\s+count\s*\(\s*distinct\b`)

// translateDialect rewrites the Redshift-only syntax Lore's connector sends into PostgreSQL that
// gives the same answer: APPROXIMATE COUNT(DISTINCT x) becomes the exact COUNT(DISTINCT x).
func translateDialect(sql string) string {
	return approximateCount.ReplaceAllString(sql, "count(distinct")
}

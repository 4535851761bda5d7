package catalog

import (
	"strconv"
	"strings"
)

func itoa(n int) string { return strconv.Itoa(n) }

func connTarget(id int64) string { return "connection " + strconv.FormatInt(id, 10) }

func lower(s string) string { return strings.ToLower(s) }

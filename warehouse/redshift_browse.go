package warehouse

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"

	"github.com/lorehq/lore"
)

// maxBrowseCalls bounds the Data API calls one browse page may make while skipping pages that
// the search or the system-schema filter emptied.
const maxBrowseCalls = 10

// browsePage is one Data API listing page: names (and kinds) plus the next token.
type browsePage struct {
	items []Entry
	next  *string
}

// browse pages through a Data API listing with fetch until it finds matching items or runs out.
// The Data API's NextToken is the cursor.
func (c *redshiftConn) browse(ctx context.Context, page PageRequest, fetch func(token *string, limit int32) (browsePage, error)) (Page, error) {
	out := Page{Items: []Entry{}}
	var token *string
	if page.After != "" {
		token = aws.String(page.After)
	}
	search := strings.ToLower(page.Search)
	for call := 0; call < maxBrowseCalls; call++ {
		p, err := fetch(token, int32(page.limit()))
		if err != nil {
			return Page{}, c.apiError(ctx, err, "list the warehouse's objects")
		}
		for _, it := range p.items {
			if search == "" || strings.Contains(strings.ToLower(it.Name), search) {
				out.Items = append(out.Items, it)
			}
		}
		token = p.next
		if aws.ToString(token) == "" || len(out.Items) > 0 {
			break
		}
	}
	out.Next = aws.ToString(token)
	return out, nil
}

// target fields shared by the listing operations.
func (c *redshiftConn) targetFields() (cluster, workgroup, dbUser *string) {
	if c.s.cluster != "" {
		cluster = aws.String(c.s.cluster)
		if c.s.dbUser != "" {
			dbUser = aws.String(c.s.dbUser)
		}
	} else {
		workgroup = aws.String(c.s.workgroup)
	}
	return
}

// Databases lists the databases of the cluster or workgroup (ListDatabases).
func (c *redshiftConn) Databases(ctx context.Context, page PageRequest) (Page, error) {
	cl, wg, u := c.targetFields()
	return c.browse(ctx, page, func(token *string, limit int32) (browsePage, error) {
		out, err := c.client.ListDatabases(ctx, &redshiftdata.ListDatabasesInput{
			Database: aws.String(c.s.database), ClusterIdentifier: cl, WorkgroupName: wg, DbUser: u,
			MaxResults: limit, NextToken: token,
		})
		if err != nil {
			return browsePage{}, err
		}
		p := browsePage{next: out.NextToken}
		for _, d := range out.Databases {
			p.items = append(p.items, Entry{Name: d})
		}
		return p, nil
	})
}

// Schemas lists the non-system schemas of db (ListSchemas).
func (c *redshiftConn) Schemas(ctx context.Context, db string, page PageRequest) (Page, error) {
	cl, wg, u := c.targetFields()
	return c.browse(ctx, page, func(token *string, limit int32) (browsePage, error) {
		out, err := c.client.ListSchemas(ctx, &redshiftdata.ListSchemasInput{
			Database: aws.String(db), ClusterIdentifier: cl, WorkgroupName: wg, DbUser: u,
			MaxResults: limit, NextToken: token,
		})
		if err != nil {
			return browsePage{}, err
		}
		p := browsePage{next: out.NextToken}
		for _, s := range out.Schemas {
			if !isSystemSchema(s) {
				p.items = append(p.items, Entry{Name: s})
			}
		}
		return p, nil
	})
}

// Tables lists the tables and views of db.schema (ListTables). The schema is passed as a LIKE
// pattern, where _ is a wildcard, so the names are matched exactly here.
func (c *redshiftConn) Tables(ctx context.Context, db, schema string, page PageRequest) (Page, error) {
	cl, wg, u := c.targetFields()
	return c.browse(ctx, page, func(token *string, limit int32) (browsePage, error) {
		out, err := c.client.ListTables(ctx, &redshiftdata.ListTablesInput{
			Database: aws.String(db), ClusterIdentifier: cl, WorkgroupName: wg, DbUser: u,
			SchemaPattern: aws.String(schema), MaxResults: limit, NextToken: token,
		})
		if err != nil {
			return browsePage{}, err
		}
		p := browsePage{next: out.NextToken}
		for _, t := range out.Tables {
			kind := redshiftKind(aws.ToString(t.Type))
			if aws.ToString(t.Schema) == schema && kind != "" {
				p.items = append(p.items, Entry{Name: aws.ToString(t.Name), Kind: kind})
			}
		}
		return p, nil
	})
}

// redshiftKind maps a Redshift table type (ListTables or SVV_ALL_TABLES) to a lore kind, or ""
// for system and temporary tables.
func redshiftKind(typ string) string {
	t := strings.ToUpper(typ)
	switch {
	case strings.Contains(t, "SYSTEM") || strings.Contains(t, "TEMPORARY"):
		return ""
	case strings.Contains(t, "EXTERNAL"):
		return lore.KindExternal
	case strings.Contains(t, "VIEW"):
		return lore.KindView
	case strings.Contains(t, "TABLE"):
		return lore.KindTable
	}
	return ""
}

package catalog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/store"
	"github.com/lorehq/lore/warehouse"
)

// secretNames lists the secrets each warehouse type accepts.
var secretNames = map[string][]string{
	lore.TypeRedshift: {"access_key_id", "secret_access_key"},
	lore.TypePostgres: {"password"},
}

// ConfigKeys lists the non-secret settings each warehouse type accepts.
var ConfigKeys = map[string][]string{
	lore.TypeRedshift: {"region", "database", "cluster_identifier", "workgroup_name", "db_user", "role_arn", "endpoint_url", "sts_endpoint_url", "statement_timeout_seconds"},
	lore.TypePostgres: {"host", "port", "database", "user", "sslmode", "statement_timeout_seconds"},
}

// SecretNames returns the secret fields of a warehouse type.
func SecretNames(typ string) []string { return secretNames[typ] }

// ListConnections returns every connection.
func (s *Service) ListConnections(ctx context.Context) ([]*lore.Connection, error) {
	cs, err := s.Store.ListConnections(ctx)
	if cs == nil && err == nil {
		cs = []*lore.Connection{}
	}
	return cs, err
}

// GetConnection returns one connection (secrets as set/unset only), or ENOTFOUND.
func (s *Service) GetConnection(ctx context.Context, id int64) (*lore.Connection, error) {
	return s.Store.FindConnection(ctx, id)
}

// normalize validates input for a create (existing nil) or an edit, and returns the
// connection to store and the plaintext secrets to seal (blank ones keep stored values).
func normalize(in lore.ConnectionInput, existing *lore.Connection) (*lore.Connection, map[string]string, error) {
	c := &lore.Connection{}
	if existing != nil {
		*c = *existing
		if in.Type != "" && in.Type != existing.Type {
			return nil, nil, lore.Errorf(lore.EINVALID, "A connection's type cannot change; create a new connection instead.")
		}
		in.Type = existing.Type
	}
	c.Type = in.Type
	if _, ok := secretNames[c.Type]; !ok {
		return nil, nil, lore.Errorf(lore.EINVALID, "Choose a data store: %q or %q (got %q).", lore.TypeRedshift, lore.TypePostgres, in.Type)
	}
	c.Name = strings.TrimSpace(in.Name)
	if c.Name == "" && existing != nil {
		c.Name = existing.Name
	}
	if c.Name == "" {
		return nil, nil, lore.Errorf(lore.EINVALID, "Give the connection a name.")
	}
	if len(c.Name) > lore.MaxNameLen {
		return nil, nil, lore.Errorf(lore.EINVALID, "The name is longer than %d characters.", lore.MaxNameLen)
	}
	allowed := map[string]bool{}
	for _, k := range ConfigKeys[c.Type] {
		allowed[k] = true
	}
	c.Config = map[string]string{}
	for k, v := range in.Config {
		if !allowed[k] {
			if k == "external_id" {
				return nil, nil, lore.Errorf(lore.EINVALID, "The external ID is minted by Lore and cannot be set.")
			}
			return nil, nil, lore.Errorf(lore.EINVALID, "Unknown setting %q for %s; allowed: %s.", k, c.Type, strings.Join(ConfigKeys[c.Type], ", "))
		}
		if v = strings.TrimSpace(v); v != "" {
			if len(v) > 2048 {
				return nil, nil, lore.Errorf(lore.EINVALID, "Setting %q is too long.", k)
			}
			c.Config[k] = v
		}
	}
	secrets := map[string]string{}
	okSecret := map[string]bool{}
	for _, n := range secretNames[c.Type] {
		okSecret[n] = true
	}
	for k, v := range in.Secrets {
		if !okSecret[k] {
			return nil, nil, lore.Errorf(lore.EINVALID, "Unknown secret %q for %s; allowed: %s.", k, c.Type, strings.Join(secretNames[c.Type], ", "))
		}
		if len(v) > 8192 {
			return nil, nil, lore.Errorf(lore.EINVALID, "Secret %q is too long.", k)
		}
		if v != "" {
			secrets[k] = v
		}
	}
	if in.Settings != nil {
		st := *in.Settings
		if st.SampleRows < 0 || st.SampleRows > 100000 || st.SamplesPerColumn < 0 || st.SamplesPerColumn > 100 ||
			st.Concurrency < 0 || st.Concurrency > 64 || st.TimeoutSeconds < 0 || st.TimeoutSeconds > 86400 || st.MaxRows < 0 {
			return nil, nil, lore.Errorf(lore.EINVALID, "Settings out of range: sample rows 0–100000, samples per column 0–100, concurrency 0–64, timeout 0–86400 s (0 means the default).")
		}
		c.Settings = st
	}
	return c, secrets, nil
}

// warehouseConfig builds the connector configuration of c with the given plaintext secrets.
func warehouseConfig(c *lore.Connection, secrets map[string]string) warehouse.Config {
	return warehouse.Config{Settings: c.Config, Secrets: secrets, ExternalID: c.ExternalID}
}

func (s *Service) seal(ctx context.Context, connID int64, secrets map[string]string) (map[string]store.SealedSecret, error) {
	out := map[string]store.SealedSecret{}
	for name, v := range secrets {
		ct, err := s.Vault.Seal(ctx, []byte(v), store.ConnectionSecretAD(connID, name))
		if err != nil {
			return nil, fmt.Errorf("seal secret %s: %w", name, err)
		}
		keyID, _ := vaultKeyID(ct)
		out[name] = store.SealedSecret{Ciphertext: ct, KeyID: keyID}
	}
	return out, nil
}

// openSecrets decrypts a connection's secrets, at the moment of use only.
func (s *Service) openSecrets(ctx context.Context, connID int64) (map[string]string, error) {
	sealed, err := s.Store.ConnectionSecrets(ctx, connID)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for name, sec := range sealed {
		pt, err := s.Vault.Open(ctx, sec.Ciphertext, store.ConnectionSecretAD(connID, name))
		if err != nil {
			return nil, fmt.Errorf("open secret %s of connection %d: %w", name, connID, err)
		}
		out[name] = string(pt)
	}
	return out, nil
}

func newExternalID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "lore-" + hex.EncodeToString(b)
}

// CreateConnection validates and saves a connection; its secrets are sealed by the vault.
// Testing is separate (TestDraft); saving does not contact the warehouse.
func (s *Service) CreateConnection(ctx context.Context, u *lore.User, in lore.ConnectionInput) (*lore.Connection, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	c, secrets, err := normalize(in, nil)
	if err != nil {
		return nil, err
	}
	if err := warehouse.Validate(c.Type, warehouseConfig(c, secrets)); err != nil {
		return nil, err
	}
	c.ExternalID = newExternalID()
	// The connection id is part of each secret's associated data, so the row is created first
	// with no secrets, then the sealed secrets are added; a failure removes the row again.
	if err := s.Store.CreateConnection(ctx, c, nil); err != nil {
		return nil, err
	}
	sealed, err := s.seal(ctx, c.ID, secrets)
	if err == nil {
		err = s.Store.UpdateConnection(ctx, c, sealed, nil)
	}
	if err != nil {
		_ = s.Store.DeleteConnection(context.WithoutCancel(ctx), c.ID)
		return nil, err
	}
	s.audit(ctx, u, "connection.create", c.Name, fmt.Sprintf("type %s, secrets %s", c.Type, strings.Join(sortedKeys(secrets), ", ")))
	return s.Store.FindConnection(ctx, c.ID)
}

// UpdateConnection edits a connection. Blank secrets keep their stored value.
func (s *Service) UpdateConnection(ctx context.Context, u *lore.User, id int64, in lore.ConnectionInput) (*lore.Connection, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	existing, err := s.Store.FindConnection(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.Settings == nil {
		in.Settings = &existing.Settings
	}
	c, secrets, err := normalize(in, existing)
	if err != nil {
		return nil, err
	}
	merged, err := s.openSecrets(ctx, id)
	if err != nil {
		return nil, err
	}
	var clear []string
	for _, name := range in.ClearSecrets {
		if !slices.Contains(secretNames[c.Type], name) {
			return nil, lore.Errorf(lore.EINVALID, "Unknown secret %q to clear for %s.", name, c.Type)
		}
		if _, replaced := secrets[name]; !replaced {
			delete(merged, name)
			clear = append(clear, name)
		}
	}
	for k, v := range secrets {
		merged[k] = v
	}
	if err := warehouse.Validate(c.Type, warehouseConfig(c, merged)); err != nil {
		return nil, err
	}
	sealed, err := s.seal(ctx, id, secrets)
	if err != nil {
		return nil, err
	}
	if err := s.Store.UpdateConnection(ctx, c, sealed, clear); err != nil {
		return nil, err
	}
	s.dropConn(id)
	s.audit(ctx, u, "connection.update", c.Name, "secrets changed: "+strings.Join(sortedKeys(secrets), ", ")+"; cleared: "+strings.Join(clear, ", "))
	return s.Store.FindConnection(ctx, id)
}

// DeleteConnection deletes a connection and everything stored for it.
func (s *Service) DeleteConnection(ctx context.Context, u *lore.User, id int64) error {
	if err := requireAdmin(u); err != nil {
		return err
	}
	c, err := s.Store.FindConnection(ctx, id)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteConnection(ctx, id); err != nil {
		return err
	}
	s.dropConn(id)
	s.audit(ctx, u, "connection.delete", c.Name, "")
	return nil
}

// TestDraft tests connection settings before (or without) saving them. With existingID set,
// blank secrets are taken from that stored connection. Nothing is saved.
func (s *Service) TestDraft(ctx context.Context, u *lore.User, existingID int64, in lore.ConnectionInput) (warehouse.TestReport, error) {
	if err := requireAdmin(u); err != nil {
		return warehouse.TestReport{}, err
	}
	var existing *lore.Connection
	merged := map[string]string{}
	if existingID != 0 {
		var err error
		if existing, err = s.Store.FindConnection(ctx, existingID); err != nil {
			return warehouse.TestReport{}, err
		}
		if merged, err = s.openSecrets(ctx, existingID); err != nil {
			return warehouse.TestReport{}, err
		}
	}
	if in.Name == "" {
		in.Name = "draft"
	}
	c, secrets, err := normalize(in, existing)
	if err != nil {
		return warehouse.TestReport{}, err
	}
	for k, v := range secrets {
		merged[k] = v
	}
	conn, err := s.OpenWarehouse(ctx, c.Type, warehouseConfig(c, merged))
	if err != nil {
		return warehouse.TestReport{}, err
	}
	defer conn.Close()
	return conn.Test(ctx), nil
}

// TestConnection tests a saved connection.
func (s *Service) TestConnection(ctx context.Context, id int64) (warehouse.TestReport, error) {
	conn, err := s.warehouse(ctx, id)
	if err != nil {
		return warehouse.TestReport{}, err
	}
	return conn.Test(ctx), nil
}

// warehouse returns an open connector for a saved connection, cached until the connection
// changes.
func (s *Service) warehouse(ctx context.Context, id int64) (warehouse.Conn, error) {
	c, err := s.Store.FindConnection(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	cached := s.conns[id]
	s.mu.Unlock()
	if cached != nil && cached.version.Equal(c.UpdatedAt) {
		return cached.conn, nil
	}
	secrets, err := s.openSecrets(ctx, id)
	if err != nil {
		return nil, err
	}
	conn, err := s.OpenWarehouse(ctx, c.Type, warehouseConfig(c, secrets))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.conns[id]; old != nil {
		old.conn.Close()
	}
	s.conns[id] = &cachedConn{conn: conn, version: c.UpdatedAt}
	return conn, nil
}

func (s *Service) dropConn(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.conns[id]; c != nil {
		c.conn.Close()
		delete(s.conns, id)
	}
}

// Databases, Schemas and Tables browse the warehouse one level at a time.
func (s *Service) Databases(ctx context.Context, id int64, p warehouse.PageRequest) (warehouse.Page, error) {
	conn, err := s.warehouse(ctx, id)
	if err != nil {
		return warehouse.Page{}, err
	}
	return conn.Databases(ctx, p)
}

// Schemas lists the schemas of a database.
func (s *Service) Schemas(ctx context.Context, id int64, db string, p warehouse.PageRequest) (warehouse.Page, error) {
	conn, err := s.warehouse(ctx, id)
	if err != nil {
		return warehouse.Page{}, err
	}
	return conn.Schemas(ctx, db, p)
}

// Tables lists the tables of a schema.
func (s *Service) Tables(ctx context.Context, id int64, db, schema string, p warehouse.PageRequest) (warehouse.Page, error) {
	conn, err := s.warehouse(ctx, id)
	if err != nil {
		return warehouse.Page{}, err
	}
	return conn.Tables(ctx, db, schema, p)
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

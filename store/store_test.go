package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/testpg"
	"github.com/lorehq/lore/store"
)

// forEachStore runs fn as a subtest on a fresh SQLite store and a fresh PostgreSQL store: the
// conformance suite.
func forEachStore(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		key := make([]byte, 32)
		key[0] = 7
		s, err := store.Open(context.Background(), store.Config{DataDir: t.TempDir(), StoreKey: key})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		s, err := store.Open(context.Background(), store.Config{DatabaseURL: testpg.NewDatabase(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
}

func createUser(t *testing.T, s *store.Store, email, role string) *lore.User {
	t.Helper()
	u := &lore.User{Email: email, Role: role, CreatedAt: time.Now().UTC()}
	if err := s.CreateUser(context.Background(), u, "hash", false); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestMigrateIsIdempotent(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		n, err := s.Migrate(context.Background())
		if err != nil || n != 0 {
			t.Fatalf("second migrate ran %d migrations, err %v", n, err)
		}
	})
}

func TestNewerSchemaIsRefused(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.DB().ExecContext(ctx, `INSERT INTO lore_migrations (version, name, applied_at) VALUES (9999, 'future.sql', $1)`, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		_, err := s.Migrate(ctx)
		if lore.ErrorCode(err) != lore.ECONFLICT {
			t.Fatalf("got %v, want a conflict naming the newer Lore", err)
		}
	})
}

func TestUsers(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		first := &lore.User{Email: "a@example.com", Role: lore.RoleAdmin, CreatedAt: time.Now().UTC()}
		if err := s.CreateUser(ctx, first, "h1", true); err != nil {
			t.Fatal(err)
		}
		second := &lore.User{Email: "b@example.com", Role: lore.RoleAdmin, CreatedAt: time.Now().UTC()}
		if err := s.CreateUser(ctx, second, "h2", true); lore.ErrorCode(err) != lore.ECONFLICT {
			t.Fatalf("second first-run user: got %v, want conflict", err)
		}
		dup := &lore.User{Email: "a@example.com", Role: lore.RoleMember, CreatedAt: time.Now().UTC()}
		if err := s.CreateUser(ctx, dup, "h3", false); lore.ErrorCode(err) != lore.ECONFLICT {
			t.Fatalf("duplicate e-mail: got %v, want conflict", err)
		}
		if n, _ := s.CountUsers(ctx); n != 1 {
			t.Fatalf("count = %d, want 1 (nothing half-written)", n)
		}
		u, hash, err := s.FindUserByEmail(ctx, "a@example.com")
		if err != nil || hash != "h1" || u.ID != first.ID || u.Role != lore.RoleAdmin {
			t.Fatalf("find: %+v %q %v", u, hash, err)
		}
		if _, _, err := s.FindUserByEmail(ctx, "nobody@example.com"); lore.ErrorCode(err) != lore.ENOTFOUND {
			t.Fatalf("unknown e-mail: %v", err)
		}
		if _, err := s.FindUserByID(ctx, 424242); lore.ErrorCode(err) != lore.ENOTFOUND {
			t.Fatalf("unknown id: %v", err)
		}
	})
}

func TestSessionsAndTokens(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := createUser(t, s, "a@example.com", lore.RoleMember)
		now := time.Now().UTC().Truncate(time.Second)
		if err := s.CreateSession(ctx, &lore.Session{TokenHash: "x", UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		ses, err := s.FindSession(ctx, "x")
		if err != nil || ses.UserID != u.ID || !ses.ExpiresAt.Equal(now.Add(time.Hour)) {
			t.Fatalf("session: %+v %v", ses, err)
		}
		if err := s.DeleteSession(ctx, "x"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindSession(ctx, "x"); lore.ErrorCode(err) != lore.ENOTFOUND {
			t.Fatalf("deleted session still found: %v", err)
		}
		tok := &lore.APIToken{UserID: u.ID, Name: "ci", CreatedAt: now}
		if err := s.CreateToken(ctx, tok, "th"); err != nil {
			t.Fatal(err)
		}
		got, err := s.FindToken(ctx, "th")
		if err != nil || got.UserID != u.ID || got.Name != "ci" {
			t.Fatalf("token: %+v %v", got, err)
		}
		list, err := s.ListTokens(ctx, u.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("list tokens: %v %v", list, err)
		}
		if err := s.DeleteToken(ctx, u.ID+1, tok.ID); lore.ErrorCode(err) != lore.ENOTFOUND {
			t.Fatalf("another user's token deleted: %v", err)
		}
		if err := s.DeleteToken(ctx, u.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindToken(ctx, "th"); lore.ErrorCode(err) != lore.ENOTFOUND {
			t.Fatalf("revoked token found: %v", err)
		}
	})
}

func TestTeams(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		createUser(t, s, "a@example.com", lore.RoleMember)
		createUser(t, s, "b@example.com", lore.RoleMember)
		team := &lore.Team{Name: "Sales", Members: []string{"b@example.com", "A@example.com"}}
		if err := s.SaveTeam(ctx, team); err != nil {
			t.Fatal(err)
		}
		bad := &lore.Team{Name: "Ops", Members: []string{"ghost@example.com"}}
		if err := s.SaveTeam(ctx, bad); lore.ErrorCode(err) != lore.EINVALID {
			t.Fatalf("unknown member: %v", err)
		}
		if err := s.SaveTeam(ctx, &lore.Team{Name: "Sales"}); lore.ErrorCode(err) != lore.ECONFLICT {
			t.Fatalf("duplicate team: %v", err)
		}
		teams, err := s.ListTeams(ctx)
		if err != nil || len(teams) != 1 || len(teams[0].Members) != 2 || teams[0].Members[0] != "a@example.com" {
			t.Fatalf("teams: %+v %v", teams, err)
		}
		u, _, _ := s.FindUserByEmail(ctx, "b@example.com")
		if len(u.TeamIDs) != 1 || u.TeamIDs[0] != team.ID {
			t.Fatalf("team ids of member: %v", u.TeamIDs)
		}
		team.Members = []string{"a@example.com"}
		team.Name = "Sales EMEA"
		if err := s.SaveTeam(ctx, team); err != nil {
			t.Fatal(err)
		}
		got, err := s.FindTeam(ctx, team.ID)
		if err != nil || got.Name != "Sales EMEA" || len(got.Members) != 1 {
			t.Fatalf("updated team: %+v %v", got, err)
		}
		if err := s.DeleteTeam(ctx, team.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteTeam(ctx, team.ID); lore.ErrorCode(err) != lore.ENOTFOUND {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestAudit(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, a := range []string{"user.create", "team.create"} {
			if err := s.RecordAudit(ctx, &lore.AuditEntry{ActorEmail: "a@example.com", Action: a, Target: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		list, err := s.ListAudit(ctx, 10)
		if err != nil || len(list) != 2 || list[0].Action != "team.create" {
			t.Fatalf("audit: %+v %v", list, err)
		}
	})
}

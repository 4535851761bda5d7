package redshiftlocal

import (
	"regexp"
	"slices"
	"strings"
)

// targetInput holds the members that say where a call runs and how it logs in; every operation
// that reaches a database embeds it.
type targetInput struct {
	ClusterIdentifier       string `json:"ClusterIdentifier"`
	WorkgroupName           string `json:"WorkgroupName"`
	Database                string `json:"Database"`
	DbUser                  string `json:"DbUser"`
	SecretArn               string `json:"SecretArn"`
	SessionID               string `json:"SessionId"`
	SessionKeepAliveSeconds *int   `json:"SessionKeepAliveSeconds"`
	ConnectedDatabase       string `json:"ConnectedDatabase"`
}

var (
	clusterPattern   = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	workgroupPattern = regexp.MustCompile(`^(([a-z0-9-]+)|(arn:aws(-[a-z]+)*:redshift-serverless:[a-z]{2}(-gov)?-[a-z]+-\d{1}:\d{12}:workgroup/[a-z0-9-]+))$`)
)

// resolveTarget validates the combination of target and auth members and maps the caller to a
// PostgreSQL role:
//
//   - cluster + DbUser: the role named DbUser (it must exist, as with GetClusterCredentials
//     without AutoCreate);
//   - cluster or workgroup without DbUser or secret: the role "IAM:<IAMUser>", created on first
//     use like GetClusterCredentialsWithIAM and serverless GetCredentials do;
//   - SecretArn: the secret's Username.
func (s *Server) resolveTarget(in targetInput) (target, error) {
	if in.SessionKeepAliveSeconds != nil && (*in.SessionKeepAliveSeconds < 0 || *in.SessionKeepAliveSeconds > 86400) {
		return target{}, validationf("1 validation error detected: Value '%d' at 'sessionKeepAliveSeconds' failed to satisfy constraint: Member must have value between 0 and 86400", *in.SessionKeepAliveSeconds)
	}
	if in.SessionID != "" || (in.SessionKeepAliveSeconds != nil && *in.SessionKeepAliveSeconds > 0) {
		return target{}, validationf("Sessions (SessionId, SessionKeepAliveSeconds) are not supported by the local Redshift endpoint; run each statement on its own or group them with BatchExecuteStatement.")
	}
	t := target{Cluster: in.ClusterIdentifier, Workgroup: in.WorkgroupName, Database: in.Database, SecretArn: in.SecretArn}
	switch {
	case t.Cluster == "" && t.Workgroup == "":
		return t, validationf("Either ClusterIdentifier or WorkgroupName needs to be specified.")
	case t.Cluster != "" && t.Workgroup != "":
		return t, validationf("Only one of ClusterIdentifier or WorkgroupName can be specified.")
	case t.Cluster != "":
		if len(t.Cluster) > 63 || !clusterPattern.MatchString(t.Cluster) {
			return t, validationf("1 validation error detected: Value '%s' at 'clusterIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z][a-z0-9]*(-[a-z0-9]+)*$", t.Cluster)
		}
		if !slices.Contains(s.cfg.Clusters, t.Cluster) {
			return t, validationf("Redshift endpoint doesn't exist in this region.")
		}
	default:
		if len(t.Workgroup) < 3 || len(t.Workgroup) > 128 || !workgroupPattern.MatchString(t.Workgroup) {
			return t, validationf("1 validation error detected: Value '%s' at 'workgroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(([a-z0-9-]+)|(arn:aws(-[a-z]+)*:redshift-serverless:[a-z]{2}(-gov)?-[a-z]+-\\d{1}:\\d{12}:workgroup/[a-z0-9-]+))$", t.Workgroup)
		}
		name := t.Workgroup[strings.LastIndex(t.Workgroup, "/")+1:]
		if !slices.Contains(s.cfg.Workgroups, name) {
			return t, validationf("Redshift endpoint doesn't exist in this region.")
		}
	}
	switch {
	case in.DbUser != "" && in.SecretArn != "":
		return t, validationf("Only one of DbUser or SecretArn can be specified.")
	case in.DbUser != "":
		if t.Workgroup != "" {
			return t, validationf("DbUser is not supported with WorkgroupName; serverless workgroups log in with the caller's IAM identity or a SecretArn.")
		}
		t.DbUser, t.Role = in.DbUser, in.DbUser
	case in.SecretArn != "":
		sec, ok := s.secret(in.SecretArn)
		if !ok {
			return t, clientError(errResourceNotFound, "Secrets Manager can't find the specified secret.")
		}
		if t.Cluster != "" && sec.ClusterIdentifier != "" && sec.ClusterIdentifier != t.Cluster {
			return t, validationf("The secret's dbClusterIdentifier does not match ClusterIdentifier %s; use a secret made for this cluster.", t.Cluster)
		}
		t.Role = sec.Username
		if t.Database == "" {
			t.Database = sec.Database
		}
	default:
		t.Role = "IAM:" + s.cfg.IAMUser
		t.DbUser = t.Role
	}
	if t.Database == "" {
		return t, validationf("Database is required; name the database to connect to.")
	}
	return t, nil
}

// secret finds a configured secret by ARN or by name.
func (s *Server) secret(arnOrName string) (Secret, bool) {
	if sec, ok := s.cfg.Secrets[arnOrName]; ok {
		return sec, true
	}
	for k, sec := range s.cfg.Secrets {
		if i := strings.LastIndex(k, ":secret:"); i >= 0 && k[i+len(":secret:"):] == arnOrName {
			return sec, true
		}
	}
	return Secret{}, false
}

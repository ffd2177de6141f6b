package wire

import "slices"

// MaskedSecret is what the API writes in place of a secret, and what every output path of the module
// prints instead of one.
const MaskedSecret = "************"

// ConfigKey is one key of a connection's config object.
type ConfigKey struct {
	// Name is the JSON key, as in "account_identifier".
	Name string
	// Required says that a create or update must send a non-empty value.
	Required bool
	// Secret says that the value is a credential: the API masks it on every read, and nothing may log
	// or echo it.
	Secret bool
	// Default is the value the API stores when the key is left out ("" for none).
	Default string
}

// Provider is one kind of warehouse: its service_provider value and the keys of its config.
type Provider struct {
	// Name is the service_provider value, as in "Snowflake".
	Name string
	// Config lists the config's keys in the order the API reference lists them.
	Config []ConfigKey
}

// Providers returns the warehouse providers the API knows, in the reference's order; a new slice on
// each call. This is the one table to extend when a provider is added (with its config type in the root
// package).
func Providers() []Provider {
	return []Provider{
		{Name: "Snowflake", Config: []ConfigKey{
			{Name: "account_identifier", Required: true},
			{Name: "region", Required: true},
			{Name: "warehouse", Required: true},
			{Name: "database", Required: true},
			{Name: "role", Required: true},
			{Name: "user", Required: true},
			{Name: "password", Required: true, Secret: true},
			{Name: "storage_integration", Required: true},
			{Name: "aws_iam_user_arn"},
			{Name: "aws_external_id"},
		}},
		{Name: "BigQuery", Config: []ConfigKey{
			{Name: "region", Required: true},
			{Name: "project_id", Required: true},
			{Name: "dataset_id", Required: true},
			{Name: "service_account_id", Required: true},
			{Name: "service_account_key", Required: true, Secret: true},
		}},
		{Name: "Redshift", Config: []ConfigKey{
			{Name: "database", Required: true},
			{Name: "host", Required: true},
			{Name: "port", Default: "5439"},
			{Name: "user", Required: true},
			{Name: "password", Required: true, Secret: true},
			{Name: "aws_iam_role_arn", Required: true},
		}},
		{Name: "Databricks", Config: []ConfigKey{
			{Name: "provider", Required: true},
			{Name: "schema", Required: true},
		}},
	}
}

// LookupProvider returns the provider named name (a service_provider value), or false.
func LookupProvider(name string) (Provider, bool) {
	for _, p := range Providers() {
		if p.Name == name {
			return p, true
		}
	}
	return Provider{}, false
}

// SecretKeys returns the config keys of p that hold secrets.
func (p Provider) SecretKeys() []string {
	var out []string
	for _, k := range p.Config {
		if k.Secret {
			out = append(out, k.Name)
		}
	}
	return out
}

// TokenSecretKey is the key of the token request that holds a secret.
const TokenSecretKey = "client_secret"

// ConfigSecretKeys returns the config keys of every provider that hold secrets, each once, in the
// order of Providers; a new slice on each call.
func ConfigSecretKeys() []string {
	var out []string
	for _, p := range Providers() {
		for _, k := range p.SecretKeys() {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out
}

// SecretKeys returns every JSON key of the API whose value is a secret: ConfigSecretKeys, then
// TokenSecretKey; a new slice on each call. Masking a request or response body by key uses this list.
func SecretKeys() []string { return append(ConfigSecretKeys(), TokenSecretKey) }

package warehousesync_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
)

// ts parses an RFC 3339 timestamp for expectations.
func ts(t *testing.T, s string) ws.Timestamp {
	t.Helper()
	v, err := ws.ParseTimestamp(s)
	require.NoError(t, err)
	return v
}

func TestConnectionsList(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/connections", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, url.Values{"serviceProvider": {"Snowflake"}})
		testHeaders(t, r)
		testNoBody(t, r)
		writeJSON(w, http.StatusOK, reference(t, "connections-list-response"))
	})

	conns, err := c.Connections.List(context.Background(), &ws.ListConnectionsOptions{ServiceProvider: ws.ProviderSnowflake})
	require.NoError(t, err)
	require.Len(t, conns, 3)
	created := ts(t, "2023-10-24T19:59:30.828Z")
	common := func(p ws.ServiceProvider, cfg ws.ConnectionConfig) *ws.Connection {
		return &ws.Connection{
			ID: "string", Name: "string", State: ws.StateActive, Status: ws.ConnectionHealthy,
			Errors: []ws.ErrorDetail{{Message: "string"}}, ServiceProvider: p, Config: cfg,
			CreatedOn: created, CreatedBy: "string", LastModifiedOn: created, LastModifiedBy: "string",
		}
	}
	want := []*ws.Connection{
		common(ws.ProviderRedshift, &ws.RedshiftConfig{Database: "string", Host: "string", User: "string", AWSIAMRoleARN: "string"}),
		common(ws.ProviderSnowflake, &ws.SnowflakeConfig{
			AccountIdentifier: "string", Region: "string", Warehouse: "string", Database: "string", Role: "string",
			User: "string", StorageIntegration: "mp_us1_123_123_s3",
			AWSIAMUserARN: "arn:aws:iam::123456:user/externalstages/abcdefg", AWSExternalID: "GD1234=2_abcdefg==",
		}),
		common(ws.ProviderBigQuery, &ws.BigQueryConfig{
			Region: "string", ProjectID: "string", DatasetID: "string", ServiceAccountID: "string", ServiceAccountKey: "string",
		}),
	}
	assert.Equal(t, want, conns)
}

func TestConnectionsListWithoutOptions(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/connections", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, nil)
		writeJSON(w, http.StatusOK, `[]`)
	})
	conns, err := c.Connections.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, conns)
	conns, err = c.Connections.List(context.Background(), &ws.ListConnectionsOptions{})
	require.NoError(t, err)
	assert.Empty(t, conns)
}

func TestConnectionsGet(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/connections/example-connection", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, nil)
		testHeaders(t, r)
		writeJSON(w, http.StatusOK, reference(t, "connections-get-response"))
	})

	conn, err := c.Connections.Get(context.Background(), "example-connection")
	require.NoError(t, err)
	at := ts(t, "2023-10-24T20:06:37.429Z")
	assert.Equal(t, &ws.Connection{
		ID: "example-connection", Name: "example-connection-name", State: ws.StateActive,
		Status: ws.ConnectionHealthy, Errors: []ws.ErrorDetail{{Message: "example error message"}},
		ServiceProvider: ws.ProviderRedshift,
		Config:          &ws.RedshiftConfig{Database: "string", Host: "string", User: "string", AWSIAMRoleARN: "string"},
		CreatedOn:       at, CreatedBy: "string", LastModifiedOn: at, LastModifiedBy: "string",
	}, conn)
}

func TestConnectionsCreate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		provider string
		conn     *ws.Connection
		want     *ws.Connection
	}{
		{
			provider: "snowflake",
			conn: &ws.Connection{
				ID: "example-snowflake-connection", Name: "Example Snowflake Connection", State: ws.StateActive,
				// ServiceProvider left empty: filled from the config type.
				Config: &ws.SnowflakeConfig{
					AccountIdentifier: "gd12345", Region: "us-central1.gcp", Warehouse: "compute_wh",
					Database: "my_database", Role: "mparticle_role", User: "mparticle_user",
					Password: "mParticleSecurePassword", StorageIntegration: "mp_us1_123_123_s3",
				},
			},
			want: &ws.Connection{
				ID: "example-connection", Name: "Example Snowflake Connection", State: ws.StateActive,
				Status: ws.ConnectionHealthy, ServiceProvider: ws.ProviderSnowflake,
				Config: &ws.SnowflakeConfig{
					AccountIdentifier: "gd12345", Region: "us-central1.gcp", Warehouse: "compute_wh",
					Database: "my_database", Role: "mparticle_role", User: "mparticle_user",
					Password: ws.MaskedSecret, StorageIntegration: "mp_us1_123_123_s3",
					AWSIAMUserARN: "arn:aws:iam::123456:user/externalstages/abcdefg", AWSExternalID: "GD1234=2_abcdefg==",
				},
			},
		},
		{
			provider: "bigquery",
			conn: &ws.Connection{
				ID: "example-bigquery-connection", Name: "Example BigQuery Connection", State: ws.StateActive,
				ServiceProvider: ws.ProviderBigQuery,
				Config: &ws.BigQueryConfig{
					Region: "us-east1", ProjectID: "my-gcp-project", DatasetID: "my-dataset",
					ServiceAccountID:  "mparticle-account@my-gcp-project.iam.gserviceaccount.com",
					ServiceAccountKey: ws.Secret(serviceAccountKey),
				},
			},
			want: &ws.Connection{
				ID: "example-bigquery-connection", Name: "Example BigQuery Connection", State: ws.StateActive,
				Status: ws.ConnectionHealthy, ServiceProvider: ws.ProviderBigQuery,
				Config: &ws.BigQueryConfig{
					Region: "us-east1", ProjectID: "my-gcp-project", DatasetID: "my-dataset",
					ServiceAccountID:  "mparticle-account@my-gcp-project.iam.gserviceaccount.com",
					ServiceAccountKey: ws.MaskedSecret,
				},
			},
		},
		{
			provider: "redshift",
			conn: &ws.Connection{
				ID: "example-redshift-connection", Name: "Redshift Connection", State: ws.StateActive,
				Config: &ws.RedshiftConfig{
					Database: "dev", Host: "dwi-test.ab123yyxwwzz.us-east-1.redshift.amazonaws.com", User: "mParticle",
					Password: "mParticleSecurePassword", AWSIAMRoleARN: "arn:aws:iam::123456789:role/mParticle_role",
				},
			},
			want: &ws.Connection{
				ID: "example-redshift-connection", Name: "Redshift Connection", State: ws.StateActive,
				Status: ws.ConnectionHealthy, ServiceProvider: ws.ProviderRedshift,
				Config: &ws.RedshiftConfig{
					Database: "dev", Host: "dwi-test.ab123yyxwwzz.us-east-1.redshift.amazonaws.com", Port: "5439",
					User: "mParticle", Password: ws.MaskedSecret, AWSIAMRoleARN: "arn:aws:iam::123456789:role/mParticle_role",
				},
			},
		},
		{
			provider: "databricks",
			conn: &ws.Connection{
				ID: "example-databricks-connection", Name: "Example Databricks Connection", State: ws.StateActive,
				Config: &ws.DatabricksConfig{Provider: "your-databricks-org-name", Schema: "your-schema-name"},
			},
			want: &ws.Connection{
				ID: "example-databricks-connection", Name: "Example Databricks Connection", State: ws.StateActive,
				ServiceProvider: ws.ProviderDatabricks,
				Config:          &ws.DatabricksConfig{Provider: "your-databricks-organization-name", Schema: "your-schema-name"},
			},
		},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			mux.HandleFunc("/connections", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, http.MethodPost)
				testQuery(t, r, nil)
				testHeaders(t, r)
				testBody(t, r, reference(t, "connections-create-request-"+tc.provider))
				writeJSON(w, http.StatusOK, reference(t, "connections-create-response-"+tc.provider))
			})
			got, err := c.Connections.Create(context.Background(), tc.conn)
			require.NoError(t, err)
			tc.want.CreatedOn = ws.NewTimestamp(time.Date(2023, 2, 3, 23, 53, 8, 413e6, time.UTC))
			tc.want.CreatedBy = "developer@mparticle.com"
			assert.Equal(t, tc.want, got)
		})
	}
}

// serviceAccountKey is the key of the reference's BigQuery example, with its line breaks.
const serviceAccountKey = `{"type": "service_account",
"project_id": "my-gcp-project",
"private_key_id": "1234abcd456789hjkl",
"private_key": "-----BEGIN PRIVATE KEY-----\ABC123456789/U\ABC+12345+abcABC+\n-----END PRIVATE KEY-----",
"client_email": "mparticle-account@my-gcp-project.iam.gserviceaccount.com",
"client_id": "123456789",
"auth_uri": "https://accounts.google.com/o/oauth2/auth",
"token_uri": "https://oauth2.googleapis.com/token",
"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
"client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/mparticle-account%40my-gcp-project.iam.gserviceaccount.com" }`

func TestConnectionsUpdate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/connections/example-snowflake-connection", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPut)
		testQuery(t, r, nil)
		testHeaders(t, r)
		testBody(t, r, reference(t, "connections-update-request"))
		writeJSON(w, http.StatusOK, reference(t, "connections-update-response"))
	})

	got, err := c.Connections.Update(context.Background(), &ws.Connection{
		ID: "example-snowflake-connection", Name: "Example Snowflake Connection", State: ws.StateActive,
		ServiceProvider: ws.ProviderSnowflake,
		Config: &ws.SnowflakeConfig{
			AccountIdentifier: "gd12345", Region: "us-central1.gcp", Warehouse: "compute_wh",
			Database: "my_database", Role: "mparticle_role", User: "mparticle_user",
			Password: "mParticleSecurePassword", StorageIntegration: "mp_us1_123_123_s3",
		},
	})
	require.NoError(t, err)
	// The reference's update response names the account "source_account_id" (a v1 name); it is ignored.
	assert.Equal(t, &ws.Connection{
		ID: "example-connection", Name: "Example Snowflake Connection", State: ws.StateActive,
		Status: ws.ConnectionHealthy, ServiceProvider: ws.ProviderSnowflake,
		Config: &ws.SnowflakeConfig{
			Region: "us-central1.gcp", Warehouse: "compute_wh", Database: "indicative", Role: "mp_role",
			User: "mp_user", Password: ws.MaskedSecret, StorageIntegration: "mp_us1_123_123_s3",
			AWSIAMUserARN: "arn:aws:iam::123456:user/externalstages/abcdefg", AWSExternalID: "GD1234=2_abcdefg==",
		},
		CreatedOn: ts(t, "2023-02-03T23:53:08.413Z"), CreatedBy: "developer@mparticle.com",
	}, got)
}

func TestConnectionsUpdateKeepsUnknownProviderConfig(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	const stored = `{"id":"pg","name":"Postgres","state":"active","service_provider":"Postgres",` +
		`"config":{"host":"db.example.com","options":{"sslmode":"require"},"port":5432}}`
	mux.HandleFunc("/connections/pg", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, stored)
		case http.MethodPut:
			testBody(t, r, stored)
			writeJSON(w, http.StatusOK, stored)
		default:
			t.Errorf("unexpected %s", r.Method)
		}
	})
	conn, err := c.Connections.Get(context.Background(), "pg")
	require.NoError(t, err)
	raw, ok := conn.Config.(*ws.RawConfig)
	require.True(t, ok, "config of an unknown provider is %T", conn.Config)
	assert.Equal(t, ws.ServiceProvider("Postgres"), raw.Provider)
	_, err = c.Connections.Update(context.Background(), conn)
	require.NoError(t, err)
}

func TestConnectionsDelete(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/connections/example-connection", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodDelete)
		testQuery(t, r, nil)
		testHeaders(t, r)
		testNoBody(t, r)
		w.WriteHeader(http.StatusNoContent)
	})
	require.NoError(t, c.Connections.Delete(context.Background(), "example-connection"))
}

// TestConnectionProviderMustMatchConfig checks that a ServiceProvider that names another warehouse than
// the config's type is refused before any request, naming the field and the provider it must be.
func TestConnectionProviderMustMatchConfig(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
	})
	conn := &ws.Connection{ID: "sf", Name: "sf", State: ws.StateActive, ServiceProvider: ws.ProviderBigQuery,
		Config: &ws.SnowflakeConfig{AccountIdentifier: "a"}}
	for name, send := range map[string]func() error{
		"create": func() error { _, err := c.Connections.Create(context.Background(), conn); return err },
		"update": func() error { _, err := c.Connections.Update(context.Background(), conn); return err },
	} {
		err := send()
		var verr *ws.ValidationError
		require.ErrorAs(t, err, &verr, name)
		assert.Equal(t, "connection.ServiceProvider", verr.Field, name)
		assert.Equal(t, "BigQuery", verr.Value, name)
		assert.Contains(t, err.Error(), "*warehousesync.SnowflakeConfig for Snowflake", name)
	}
}

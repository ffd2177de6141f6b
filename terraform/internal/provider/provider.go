// Package provider is the Terraform and OpenTofu provider of Warehouse Sync: the provider
// configuration, the resources warehousesync_connection, warehousesync_data_model and
// warehousesync_pipeline, and their data sources, built on the module's client and on the API's
// wire rules, which it applies at plan time.
package provider

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	ws "github.com/wsync-dev/warehousesync"
)

// TypeName is the provider's type name, the prefix of every resource and data source.
const TypeName = "warehousesync"

// New returns a function that makes the provider, reporting version (as in "0.1.0", or "dev") in its
// User-Agent.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &wsProvider{version: version} }
}

// wsProvider is the provider.
type wsProvider struct {
	version string
}

// providerModel is the provider's configuration.
type providerModel struct {
	WorkspaceID  types.String `tfsdk:"workspace_id"`
	ClientID     types.String `tfsdk:"client_id"`
	ClientSecret types.String `tfsdk:"client_secret"`
	APIURL       types.String `tfsdk:"api_url"`
	TokenURL     types.String `tfsdk:"token_url"`
	Retry        *retryModel  `tfsdk:"retry"`
}

// retryModel is the provider's retry policy.
type retryModel struct {
	MaxRetries types.Int64  `tfsdk:"max_retries"`
	MinWait    types.String `tfsdk:"min_wait"`
	MaxWait    types.String `tfsdk:"max_wait"`
	Disabled   types.Bool   `tfsdk:"disabled"`
}

// Metadata names the provider.
func (p *wsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = TypeName
	resp.Version = p.version
}

// Schema describes the provider's configuration.
func (p *wsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Manages mParticle Warehouse Sync connections, data models and pipelines. " +
			"Every setting may come from the environment instead, from the variables the Go client reads.",
		Attributes: map[string]schema.Attribute{
			"workspace_id": schema.StringAttribute{
				Optional:    true,
				Description: "The mParticle workspace id. Default: the environment variable " + ws.EnvWorkspaceID + ".",
				Validators:  []validator.String{nonEmptyValidator()},
			},
			"client_id": schema.StringAttribute{
				Optional:    true,
				Description: "The OAuth client id of the Platform API credentials. Default: " + ws.EnvClientID + ".",
				Validators:  []validator.String{nonEmptyValidator()},
			},
			"client_secret": schema.StringAttribute{
				Optional:    true,
				Sensitive:   true,
				Description: "The OAuth client secret. Default: " + ws.EnvClientSecret + ".",
				Validators:  []validator.String{nonEmptyValidator()},
			},
			"api_url": schema.StringAttribute{
				Optional: true,
				Description: "The API's root URL, without /platform/v2: http or https, without user info. Default: " + ws.EnvAPIURL +
					", else " + ws.DefaultBaseURL + ".",
				Validators: []validator.String{nonEmptyValidator()},
			},
			"token_url": schema.StringAttribute{
				Optional: true,
				Description: "The OAuth token endpoint: http or https, without user info. Default: " + ws.EnvTokenURL +
					", else " + ws.DefaultTokenURL + ".",
				Validators: []validator.String{nonEmptyValidator()},
			},
			"retry": schema.SingleNestedAttribute{
				Optional: true,
				Description: "How failed requests are retried: reads, updates and deletes after network errors " +
					"and 429, 500, 502, 503, 504; creates too (a retried create that finds the resource is reconciled). " +
					"Default: 4 retries, waits from 500ms to 30s.",
				Attributes: map[string]schema.Attribute{
					"max_retries": schema.Int64Attribute{
						Optional:    true,
						Description: "Retries after the first attempt (0 or unset: 4).",
						Validators:  []validator.Int64{atLeast(0)},
					},
					"min_wait": schema.StringAttribute{
						Optional:    true,
						Description: "The wait before the first retry, a duration such as 500ms.",
						Validators:  []validator.String{durationValidator()},
					},
					"max_wait": schema.StringAttribute{
						Optional:    true,
						Description: "The longest wait, also for a Retry-After the server asks for, such as 30s.",
						Validators:  []validator.String{durationValidator()},
					},
					"disabled": schema.BoolAttribute{
						Optional:    true,
						Description: "Send every request once. The other retry settings must then be left out.",
					},
				},
			},
		},
	}
}

// Configure makes the client the resources and data sources use.
func (p *wsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, err := p.client(cfg)
	if err != nil {
		addError(&resp.Diagnostics, "Invalid provider configuration", err)
		return
	}
	resp.ResourceData = c
	resp.DataSourceData = c
}

// setting returns the configured value of v, else the environment variable env.
func setting(v types.String, env string) string {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString()
	}
	return os.Getenv(env)
}

// client builds the client of cfg, with the environment's defaults.
func (p *wsProvider) client(cfg providerModel) (*ws.Client, error) {
	for name, v := range map[string]types.String{
		"workspace_id": cfg.WorkspaceID, "client_id": cfg.ClientID, "client_secret": cfg.ClientSecret,
		"api_url": cfg.APIURL, "token_url": cfg.TokenURL,
	} {
		if v.IsUnknown() {
			return nil, fmt.Errorf("%s: must be known when the provider is configured, not computed from another resource", name)
		}
	}
	workspaceID := setting(cfg.WorkspaceID, ws.EnvWorkspaceID)
	if workspaceID == "" {
		return nil, fmt.Errorf("workspace_id: is required: set it or the environment variable %s", ws.EnvWorkspaceID)
	}
	clientID, secret := setting(cfg.ClientID, ws.EnvClientID), setting(cfg.ClientSecret, ws.EnvClientSecret)
	if clientID == "" || secret == "" {
		return nil, fmt.Errorf("client_id and client_secret: are required: set them or the environment variables %s and %s",
			ws.EnvClientID, ws.EnvClientSecret)
	}
	opts := []ws.Option{
		ws.WithClientCredentials(clientID, secret),
		ws.WithUserAgent("terraform-provider-warehousesync/" + p.version),
	}
	if u := setting(cfg.APIURL, ws.EnvAPIURL); u != "" {
		if err := checkURL("api_url", ws.EnvAPIURL, u); err != nil {
			return nil, err
		}
		opts = append(opts, ws.WithBaseURL(u))
	}
	if u := setting(cfg.TokenURL, ws.EnvTokenURL); u != "" {
		if err := checkURL("token_url", ws.EnvTokenURL, u); err != nil {
			return nil, err
		}
		opts = append(opts, ws.WithTokenURL(u))
	}
	policy, err := retryPolicy(cfg.Retry)
	if err != nil {
		return nil, err
	}
	opts = append(opts, ws.WithRetryPolicy(policy))
	return ws.NewClient(workspaceID, opts...)
}

// checkURL accepts an http or https URL with a host and without user info; its errors name the
// attribute (and the variable it may come from), never the URL: user info holds a password, and a
// parse error quotes the whole URL.
func checkURL(attr, env, s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil, u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return fmt.Errorf("%s (or %s): must be an http:// or https:// URL with a host", attr, env)
	case u.User != nil:
		return fmt.Errorf("%s (or %s): must not hold a user or password (user@ or user:password@): "+
			"the provider signs in with client_id and client_secret", attr, env)
	}
	return nil
}

// retryPolicy converts the retry settings (nil: the default policy).
func retryPolicy(m *retryModel) (ws.RetryPolicy, error) {
	var p ws.RetryPolicy
	if m == nil {
		return p, nil
	}
	p.MaxRetries = int(m.MaxRetries.ValueInt64())
	p.Disabled = m.Disabled.ValueBool()
	for _, w := range []struct {
		name string
		v    types.String
		dst  *time.Duration
	}{{"retry.min_wait", m.MinWait, &p.MinWait}, {"retry.max_wait", m.MaxWait, &p.MaxWait}} {
		if w.v.IsNull() || w.v.IsUnknown() {
			continue
		}
		d, err := time.ParseDuration(w.v.ValueString())
		if err != nil {
			return p, fmt.Errorf("%s: must be a duration such as 500ms", w.name)
		}
		*w.dst = d
	}
	return p, nil
}

// Resources lists the provider's resources.
func (p *wsProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{newConnectionResource, newDataModelResource, newPipelineResource}
}

// DataSources lists the provider's data sources.
func (p *wsProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		newConnectionDataSource, newDataModelDataSource, newPipelineDataSource, newPipelineStatusDataSource,
	}
}

// clientFrom takes the client out of a Configure request's provider data; nil data (before the
// provider is configured) gives nil without an error.
func clientFrom(data any, report func(summary, detail string)) *ws.Client {
	if data == nil {
		return nil
	}
	c, ok := data.(*ws.Client)
	if !ok {
		report("Unexpected provider data", fmt.Sprintf("expected a *warehousesync.Client, got %T", data))
		return nil
	}
	return c
}

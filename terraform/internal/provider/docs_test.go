package provider

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	pschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// The provider's documentation, in the registry's layout under docs/, is rendered from the schemas'
// descriptions and the examples under examples/. TestDocsUpToDate fails when a page differs from
// what the schemas give; WSYNC_UPDATE_DOCS=1 writes the pages instead:
//
//	WSYNC_UPDATE_DOCS=1 go test -run TestDocsUpToDate ./internal/provider

// moduleRoot is the provider module's directory, from this package's.
const moduleRoot = "../.."

// docAttr is what the renderer needs of an attribute of any schema.
type docAttr interface {
	GetDescription() string
	IsRequired() bool
	IsOptional() bool
	IsComputed() bool
	IsSensitive() bool
	GetType() attr.Type
}

// docAttrs is a schema's attributes (the provider's, a resource's or a data source's) as docAttrs.
func docAttrs[A docAttr](attrs map[string]A) map[string]docAttr {
	out := make(map[string]docAttr, len(attrs))
	for k, v := range attrs {
		out[k] = v
	}
	return out
}

// nestedOf returns the attributes of a single nested attribute, or nil.
func nestedOf(a docAttr) map[string]docAttr {
	out := map[string]docAttr{}
	switch a := a.(type) {
	case rschema.SingleNestedAttribute:
		for k, v := range a.Attributes {
			out[k] = v
		}
	case dsschema.SingleNestedAttribute:
		for k, v := range a.Attributes {
			out[k] = v
		}
	case pschema.SingleNestedAttribute:
		for k, v := range a.Attributes {
			out[k] = v
		}
	default:
		return nil
	}
	return out
}

// typeName names an attribute's type as the registry's pages do.
func typeName(a docAttr) string {
	if nestedOf(a) != nil {
		return "Attributes"
	}
	switch t := a.GetType().(type) {
	case basetypes.StringTypable:
		return "String"
	case basetypes.Int64Type:
		return "Number"
	case basetypes.BoolType:
		return "Boolean"
	case basetypes.ListType:
		if t.ElemType.Equal(types.StringType) {
			return "List of String"
		}
	}
	return fmt.Sprint(a.GetType())
}

// renderAttributes writes the Required, Optional and Read-Only lists of attrs, then a section for
// each nested attribute; anchor prefixes the nested sections' names.
func renderAttributes(b *bytes.Buffer, attrs map[string]docAttr, anchor string) {
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	slices.Sort(names)
	groups := []struct {
		title string
		in    func(docAttr) bool
	}{
		{"Required", docAttr.IsRequired},
		{"Optional", docAttr.IsOptional},
		{"Read-Only", func(a docAttr) bool { return a.IsComputed() && !a.IsOptional() && !a.IsRequired() }},
	}
	var nested []string
	for _, g := range groups {
		var lines []string
		for _, n := range names {
			a := attrs[n]
			if !g.in(a) {
				continue
			}
			line := fmt.Sprintf("- `%s` (%s", n, typeName(a))
			if a.IsSensitive() {
				line += ", Sensitive"
			}
			line += ")"
			if d := a.GetDescription(); d != "" {
				line += " " + d
			}
			if nestedOf(a) != nil {
				line += fmt.Sprintf(" (see [below for nested schema](#nestedatt--%s%s))", anchor, n)
				nested = append(nested, n)
			}
			lines = append(lines, line)
		}
		if len(lines) > 0 {
			fmt.Fprintf(b, "\n### %s\n\n%s\n", g.title, strings.Join(lines, "\n"))
		}
	}
	for _, n := range nested {
		fmt.Fprintf(b, "\n<a id=\"nestedatt--%s%s\"></a>\n### Nested Schema for `%s%s`\n", anchor, n,
			strings.ReplaceAll(anchor, "--", "."), n)
		renderAttributes(b, nestedOf(attrs[n]), anchor+n+"--")
	}
}

// example returns a file under examples/ as a fenced block, or "" when it does not exist.
func example(t *testing.T, rel, lang string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(moduleRoot, "examples", rel))
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("```%s\n%s```\n", lang, b)
}

// page renders one page.
func page(t *testing.T, name, kind, description string, attrs map[string]docAttr, exampleFile, importFile string) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "---\npage_title: %q\nsubcategory: \"\"\ndescription: |-\n  %s\n---\n\n# %s (%s)\n\n%s\n",
		name+" "+kind+" - warehousesync", firstSentence(description), name, kind, description)
	if ex := example(t, exampleFile, "terraform"); ex != "" {
		fmt.Fprintf(&b, "\n## Example Usage\n\n%s", ex)
	}
	b.WriteString("\n## Schema\n")
	renderAttributes(&b, attrs, "")
	if importFile != "" {
		if ex := example(t, importFile, "shell"); ex != "" {
			fmt.Fprintf(&b, "\n## Import\n\nImport is supported using the following syntax:\n\n%s", ex)
		}
	}
	return b.String()
}

// firstSentence returns the text up to the first full stop.
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// indexNotes is the part of the index page that is not in any schema.
const indexNotes = `
## Secrets

Connection secrets (` + "`snowflake.password`, `bigquery.service_account_key`, `redshift.password`" + `) are sensitive
attributes: plans never show them. The API masks them on every read, so the provider keeps the configured value in
the state, never compares it with the mask, and cannot see a secret changed outside Terraform; changing the value in
the configuration updates it. The state holds the secrets, as for every provider with sensitive attributes: keep it in
an encrypted backend (OpenTofu can also encrypt the state itself). Write-only attributes, which would keep secrets out
of the state, need Terraform 1.11 or OpenTofu 1.11 or later; this provider is tested with OpenTofu 1.10, so it does not
use them yet.

## Plans

- ` + "`tofu plan`" + ` checks a configuration against the API's rules before any request: ids are slugs, enumerated values
  are valid, an events pipeline has a field transformation and a user_attributes one has none, incremental sync has
  an iterator, an interval schedule has a frequency and a start, until follows from and end follows start.
- Changes the API refuses force a replacement: any id, a connection's kind of warehouse, a pipeline's
  ` + "`sync_mode.from`" + `.
- Values the API writes in a canonical form are no change: a timestamp in any zone or precision (the API stores UTC
  with milliseconds), the schedule type spelled ` + "`on-demand`" + ` (the API writes ` + "`on_demand`" + `), a delay with leading zeros.
- What the API fills in (status, errors, creation and modification times) keeps its state value in plans that do not
  update the resource.
- The API refuses to delete a connection or data model that a pipeline uses, so replacing one under a pipeline needs
  one of two settings. With a new id, set ` + "`lifecycle { create_before_destroy = true }`" + ` on it: the new one is
  created, the pipeline moves to it, then the old one is deleted. To change a connection's kind of warehouse under the
  same id, set ` + "`lifecycle { replace_triggered_by = [warehousesync_connection.<name>.service_provider] }`" + ` on the
  pipeline: the pipeline is deleted first and made again after the connection.
`

func TestDocsUpToDate(t *testing.T) {
	ctx := context.Background()
	p := New("test")()
	pages := map[string]string{}

	var ps provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &ps)
	index := page(t, "warehousesync", "Provider", ps.Schema.Description, docAttrs(ps.Schema.Attributes), "provider/provider.tf", "")
	index = strings.Replace(index, "# warehousesync (Provider)", "# Warehouse Sync Provider", 1)
	pages["index.md"] = index + indexNotes

	for _, f := range p.Resources(ctx) {
		r := f()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: TypeName}, &meta)
		var s resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &s)
		short := strings.TrimPrefix(meta.TypeName, TypeName+"_")
		pages["resources/"+short+".md"] = page(t, meta.TypeName, "Resource", s.Schema.Description, docAttrs(s.Schema.Attributes),
			"resources/"+meta.TypeName+"/resource.tf", "resources/"+meta.TypeName+"/import.sh")
	}
	for _, f := range p.DataSources(ctx) {
		d := f()
		var meta datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: TypeName}, &meta)
		var s datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &s)
		short := strings.TrimPrefix(meta.TypeName, TypeName+"_")
		pages["data-sources/"+short+".md"] = page(t, meta.TypeName, "Data Source", s.Schema.Description, docAttrs(s.Schema.Attributes),
			"data-sources/"+meta.TypeName+"/data-source.tf", "")
	}

	update := os.Getenv("WSYNC_UPDATE_DOCS") == "1"
	var stale []string
	for rel, want := range pages {
		file := filepath.Join(moduleRoot, "docs", rel)
		got, err := os.ReadFile(file)
		if err == nil && string(got) == want {
			continue
		}
		if update {
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		stale = append(stale, rel)
	}
	// A page whose resource or data source is gone is stale too.
	for _, dir := range []string{"resources", "data-sources"} {
		entries, _ := os.ReadDir(filepath.Join(moduleRoot, "docs", dir))
		for _, e := range entries {
			if _, ok := pages[dir+"/"+e.Name()]; !ok {
				stale = append(stale, dir+"/"+e.Name()+" (no such "+dir+")")
			}
		}
	}
	if len(stale) > 0 {
		slices.Sort(stale)
		t.Errorf("docs/ is stale: %s; regenerate with WSYNC_UPDATE_DOCS=1 go test -run TestDocsUpToDate ./internal/provider",
			strings.Join(stale, ", "))
	}
}

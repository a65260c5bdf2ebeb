// terraform, built from the Go module proxy for machines without it
// (make terraform-cli). Nothing imports these modules: do not run go mod tidy.
// terraform's own go.mod replaces its nested modules with local directories,
// which `go install terraform@v` refuses and module zips leave out; this
// module requires them at the pseudo-version of the release commit instead
// (v1.11.4 = 35645b8fca68, committed 2025-04-09 13:10:05 UTC).
module lttle.local/terraform-cli

go 1.23.3

require (
	github.com/hashicorp/terraform v1.11.4
	github.com/hashicorp/terraform/internal/backend/remote-state/azure v0.0.0-20250409131005-35645b8fca68
	github.com/hashicorp/terraform/internal/backend/remote-state/consul v0.0.0-20250409131005-35645b8fca68
	github.com/hashicorp/terraform/internal/backend/remote-state/cos v0.0.0-20250409131005-35645b8fca68
	github.com/hashicorp/terraform/internal/backend/remote-state/gcs v0.0.0-20250409131005-35645b8fca68
	github.com/hashicorp/terraform/internal/backend/remote-state/kubernetes v0.0.0-20250409131005-35645b8fca68
	github.com/hashicorp/terraform/internal/backend/remote-state/oss v0.0.0-20250409131005-35645b8fca68
	github.com/hashicorp/terraform/internal/backend/remote-state/pg v0.0.0-20250409131005-35645b8fca68
	github.com/hashicorp/terraform/internal/backend/remote-state/s3 v0.0.0-20250409131005-35645b8fca68
	github.com/hashicorp/terraform/internal/legacy v0.0.0-20250409131005-35645b8fca68
)

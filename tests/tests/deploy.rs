//! The SpinKube deployment in `deploy/`: every manifest checked against the real schema of its
//! kind, the kustomize overlays built and checked the same way, and the manifests held to what
//! `spin.toml` says (routes, components, variables, secrets).
//!
//! The custom resource definitions come from `../shared/schemas` beside the repository. A
//! missing folder fails the test under `CI=true` and skips it elsewhere, saying so.
//!
//! Overlays are built by a small kustomize ([`kustomize`] below) that knows exactly the
//! features `deploy/` uses and refuses any other, so the tests need no Kubernetes tooling.
//! Where `kubectl` is installed its own `kubectl kustomize` is run too and must agree.
#![expect(
    clippy::expect_used,
    reason = "a test reports a broken expectation by panicking with what it expected"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use pulse_tests::{in_ci, workspace_root};
use serde_json::{Value, json};

/// The kustomizations that make up the deployment: the base, each environment, and the shared
/// gateway for a cluster that has none.
const KUSTOMIZATIONS: [&str; 4] = [
    "deploy/base",
    "deploy/overlays/staging",
    "deploy/overlays/production",
    "deploy/gateway",
];

/// The environments an operator deploys.
const ENVIRONMENTS: [&str; 2] = ["deploy/overlays/staging", "deploy/overlays/production"];

/// Spin's own health endpoint, answered by the runtime whatever components a pod keeps.
const SPIN_HEALTH: &str = "/.well-known/spin/health";

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn every_manifest_in_deploy_matches_the_schema_of_its_kind() {
    let Some(schemas) = Schemas::load("every_manifest_in_deploy_matches_the_schema_of_its_kind")
    else {
        return;
    };
    let mut problems = Vec::new();
    let mut checked = 0;
    // Each manifest file of the base as written, then every build as it would be applied.
    for file in yaml_files_under(&root().join("deploy/base")) {
        if is_kustomize_file(&file) {
            continue;
        }
        for doc in read_yaml_docs(&file).unwrap_or_else(|e| panic!("{e:#}")) {
            checked += 1;
            problems.extend(
                schemas
                    .check(&doc)
                    .into_iter()
                    .map(|p| format!("{}: {p}", rel(&file))),
            );
        }
    }
    for dir in KUSTOMIZATIONS {
        for doc in build(dir) {
            checked += 1;
            problems.extend(
                schemas
                    .check(&doc)
                    .into_iter()
                    .map(|p| format!("{dir} (built): {p}")),
            );
        }
    }
    assert!(
        problems.is_empty(),
        "manifests that the API server would reject:\n{}",
        problems.join("\n")
    );
    assert!(checked > 20, "only {checked} manifests were checked");
    schemas.check_builtin_kinds_with_kubernetes_validate();
}

#[test]
fn the_schema_check_rejects_a_broken_spinapp_and_route() {
    let Some(schemas) = Schemas::load("the_schema_check_rejects_a_broken_spinapp_and_route") else {
        return;
    };
    let pages = find(&build("deploy/base"), "SpinApp", "pulse-account-pages").clone();
    assert!(
        schemas.check(&pages).is_empty(),
        "the base pages SpinApp must be valid"
    );

    let breakages: [Breakage; 6] = [
        ("replicas as a word", |s| {
            s["spec"]["replicas"] = json!("three")
        }),
        ("a misspelt field", |s| s["spec"]["replica"] = json!(2)),
        ("no image", |s| {
            s["spec"].as_object_mut().map(|m| m.remove("image"));
        }),
        ("an empty component list", |s| {
            s["spec"]["components"] = json!([])
        }),
        ("a probe without a path", |s| {
            s["spec"]["checks"]["readiness"]["httpGet"] = json!({})
        }),
        ("a secret reference without a key", |s| {
            s["spec"]["variables"][2]["valueFrom"]["secretKeyRef"] = json!({ "name": "x" })
        }),
    ];
    for (what, break_it) in breakages {
        let mut broken = pages.clone();
        break_it(&mut broken);
        assert!(
            !schemas.check(&broken).is_empty(),
            "a SpinApp with {what} passed the schema check"
        );
    }

    let route = find(&build("deploy/base"), "HTTPRoute", "pulse-account").clone();
    assert!(
        schemas.check(&route).is_empty(),
        "the base route must be valid"
    );
    let mut broken = route.clone();
    broken["spec"]["rules"][0]["matches"][0]["path"]["type"] = json!("Prefix");
    assert!(
        !schemas.check(&broken).is_empty(),
        "a route with an unknown match type passed"
    );
    let mut broken = route.clone();
    broken["spec"]["rules"][0]["backendRefs"][0]
        .as_object_mut()
        .map(|m| m.remove("port"));
    assert!(
        !schemas.check(&broken).is_empty(),
        "a Service backend without a port passed"
    );
    let mut broken = route;
    broken["spec"]["rules"][0]["matches"][0]["path"]["value"] = json!("login");
    assert!(
        !schemas.check(&broken).is_empty(),
        "a relative match path passed"
    );
}

/// A way to break a valid SpinApp, and what it is called.
type Breakage = (&'static str, fn(&mut Value));

#[test]
fn kubectl_kustomize_builds_what_the_test_builds() {
    let Some(kubectl) = kubectl() else {
        eprintln!(
            "SKIPPED kubectl_kustomize_builds_what_the_test_builds: kubectl is not installed; \
             the overlays are still built and checked by this file's kustomize"
        );
        return;
    };
    for dir in KUSTOMIZATIONS {
        let output = Command::new(&kubectl)
            .arg("kustomize")
            .arg(root().join(dir))
            .output()
            .expect("running kubectl kustomize");
        assert!(
            output.status.success(),
            "kubectl kustomize {dir} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let theirs = by_identity(
            parse_yaml_docs(&String::from_utf8_lossy(&output.stdout)).expect("kubectl output"),
        );
        let ours = by_identity(build(dir));
        assert_eq!(
            theirs.keys().collect::<Vec<_>>(),
            ours.keys().collect::<Vec<_>>(),
            "{dir}: kubectl and this test build different resources"
        );
        for (id, their) in &theirs {
            assert_eq!(
                &ours[id], their,
                "{dir}: {id} differs between kubectl kustomize and this test's build"
            );
        }
    }
}

#[test]
fn every_spin_toml_route_reaches_the_component_that_owns_it_and_nothing_else() {
    let spin = SpinManifest::load();
    for env in KUSTOMIZATIONS.iter().filter(|d| **d != "deploy/gateway") {
        let docs = build(env);
        let route = find(&docs, "HTTPRoute", "pulse-account");
        let gateway = GatewayRoutes::from_route(route);
        let pods = pods(&docs);

        // Every match in the HTTPRoute is a route of spin.toml, sent to the app running the
        // component that owns it.
        let spin_routes: BTreeMap<(String, bool), &str> = spin
            .routes
            .iter()
            .map(|r| (r.as_gateway_match(), r.component.as_str()))
            .collect();
        for m in &gateway.matches {
            let owner = spin_routes
                .get(&(m.value.clone(), m.exact))
                .unwrap_or_else(|| {
                    panic!(
                        "{env}: the HTTPRoute matches {} {} but spin.toml has no such route",
                        if m.exact { "Exact" } else { "PathPrefix" },
                        m.value
                    )
                });
            let pod = pods.get(&m.service).unwrap_or_else(|| {
                panic!(
                    "{env}: the HTTPRoute sends to {}, which is no SpinApp",
                    m.service
                )
            });
            assert!(
                pod.components.contains(*owner),
                "{env}: {} goes to {}, which does not run {owner}",
                m.value,
                m.service
            );
        }

        // Every spin.toml route, probed at and below its path, lands on the same component
        // through the gateway and then the pod's own Spin router as through spin.toml alone.
        for path in spin.routes.iter().flat_map(SpinRoute::sample_paths) {
            let want = spin
                .resolve(&path, |_| true)
                .unwrap_or_else(|| panic!("spin.toml routes nothing for {path}"));
            let service = gateway
                .resolve(&path)
                .unwrap_or_else(|| panic!("{env}: the HTTPRoute routes nothing for {path}"));
            let pod = &pods[&service];
            let got = spin
                .resolve(&path, |c| pod.components.contains(c))
                .unwrap_or_else(|| panic!("{env}: {service} has no route for {path}"));
            assert_eq!(
                got, want,
                "{env}: {path} belongs to {want} but reaches {got} in {service}"
            );
        }
    }
}

#[test]
fn spinapps_cover_every_component_with_its_dependencies() {
    let spin = SpinManifest::load();
    for env in ENVIRONMENTS {
        let docs = build(env);
        let pods = pods(&docs);
        let mut seen = BTreeMap::<&str, &str>::new();
        for (name, pod) in &pods {
            for c in &pod.components {
                assert!(
                    spin.components.contains_key(c),
                    "{env}: {name} selects {c}, which spin.toml does not define"
                );
                if spin.routed_components().contains(c.as_str())
                    && let Some(other) = seen.insert(c, name)
                {
                    panic!("{env}: {c} runs in both {other} and {name}");
                }
                for dep in &spin.components[c].dependencies {
                    assert!(
                        pod.components.contains(dep),
                        "{env}: {name} runs {c}, which depends on {dep}, but does not select {dep}"
                    );
                }
            }
        }
        let selected: BTreeSet<&str> = pods
            .values()
            .flat_map(|p| p.components.iter().map(String::as_str))
            .collect();
        for c in spin.components.keys() {
            assert!(
                selected.contains(c.as_str()),
                "{env}: no SpinApp runs the {c} component"
            );
        }
    }
}

#[test]
fn secret_variables_come_only_from_secrets_and_only_where_needed() {
    let spin = SpinManifest::load();
    for env in ENVIRONMENTS {
        let docs = build(env);
        for (name, pod) in pods(&docs) {
            let needed = spin.variables_needed_by(&pod.components);
            let mut given = BTreeSet::new();
            for var in pod.spec["variables"].as_array().into_iter().flatten() {
                let var_name = var["name"].as_str().unwrap_or_default();
                let declared = spin.variables.get(var_name).unwrap_or_else(|| {
                    panic!("{env}: {name} sets {var_name}, which spin.toml does not declare")
                });
                assert!(
                    given.insert(var_name),
                    "{env}: {name} sets {var_name} twice"
                );
                let from_secret = var["valueFrom"]["secretKeyRef"]["name"].is_string()
                    && var["valueFrom"]["secretKeyRef"]["key"].is_string();
                if declared.secret {
                    assert!(
                        from_secret && var.get("value").is_none(),
                        "{env}: {name} must take the secret {var_name} from a secretKeyRef"
                    );
                    assert!(
                        needed.contains(var_name),
                        "{env}: {name} is given the secret {var_name}, which none of its \
                         components maps and Spin does not require"
                    );
                } else {
                    assert!(
                        var["value"].is_string(),
                        "{env}: {name} should give {var_name} as a plain value"
                    );
                }
            }
            for var in &needed {
                assert!(
                    given.contains(var.as_str()),
                    "{env}: {name} does not set {var}, which its components map or Spin requires"
                );
            }
        }
        let job = find(&docs, "Job", "pulse-account-migrate");
        let env_vars = &job["spec"]["template"]["spec"]["containers"][0]["env"];
        let db_url = env_vars
            .as_array()
            .and_then(|vars| vars.iter().find(|v| v["name"] == "DB_URL"))
            .unwrap_or_else(|| panic!("{env}: the migrations Job has no DB_URL"));
        assert!(
            db_url["valueFrom"]["secretKeyRef"]["key"] == "db_url",
            "{env}: the migrations Job must read DB_URL from the db_url secret key"
        );
    }
}

#[test]
fn no_literal_secret_sits_in_deploy() {
    let spin = SpinManifest::load();
    let secret_names: Vec<&String> = spin
        .variables
        .iter()
        .filter(|(_, v)| v.secret)
        .map(|(k, _)| k)
        .collect();
    let credential_in_url = |line: &str| {
        line.split("://").skip(1).any(|rest| {
            let authority = rest.split(['/', ' ', '"', '\'']).next().unwrap_or_default();
            authority.contains('@')
        })
    };
    for file in files_under(&root().join("deploy")) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            let at = format!("{}:{}", rel(&file), n + 1);
            let lower = line.to_ascii_lowercase();
            assert!(!credential_in_url(line), "{at}: a URL with credentials");
            assert!(!lower.contains("-----begin"), "{at}: a PEM block");
            assert!(
                !lower.contains("stringdata:") && !lower.contains("password:"),
                "{at}: a literal secret value"
            );
            assert!(
                !long_token(line),
                "{at}: a long random-looking string (a key or token?)"
            );
            for name in &secret_names {
                assert!(
                    !line.contains(&format!("{name}=")),
                    "{at}: {name} given a value"
                );
            }
        }
    }
    // The only Secret the builds carry is the runtime configuration, made from the files above.
    for env in ENVIRONMENTS {
        for doc in build(env) {
            if doc["kind"] == "Secret" {
                assert_eq!(
                    name_of(&doc),
                    "pulse-account-runtime-config",
                    "{env}: a Secret in the build"
                );
            }
        }
    }
}

#[test]
fn production_database_urls_ask_for_tls_and_the_executor_names_the_spin_it_needs() {
    // Spin verifies the database's certificate unless a URL says sslmode=disable, which is for
    // a developer's local server only; the Secret's db_url asks for TLS outright.
    let mut files = files_under(&root().join("deploy"));
    files.push(root().join("docs/operations.md"));
    let mut secret_urls = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains("postgres://"))
        {
            let at = format!("{}:{}", rel(&file), n + 1);
            assert!(
                !line.contains("sslmode=disable"),
                "{at}: a database URL without TLS"
            );
            if line.contains("db_url=") {
                assert!(
                    line.contains("sslmode=require"),
                    "{at}: db_url must ask for TLS"
                );
                secret_urls += 1;
            }
        }
    }
    assert!(
        secret_urls > 0,
        "docs/operations.md shows no db_url for the Secret"
    );
    // Spin 4.0.0 to 4.0.2 hang on a Postgres query that matches no rows (Spin issue 3671).
    for env in ENVIRONMENTS {
        let docs = build(env);
        let executor = find(&docs, "SpinAppExecutor", "containerd-shim-spin");
        assert_eq!(
            executor["metadata"]["annotations"]["planapulse.com/minimum-spin-version"], "4.1.0",
            "{env}"
        );
    }
}

#[test]
fn probes_ask_paths_that_the_pod_itself_serves() {
    let spin = SpinManifest::load();
    let health_owner = spin.resolve("/healthz", |_| true);
    for env in ENVIRONMENTS {
        let docs = build(env);
        for (name, pod) in pods(&docs) {
            for probe in ["readiness", "liveness"] {
                let path = pod.spec["checks"][probe]["httpGet"]["path"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{env}: {name} has no {probe} probe"));
                if path == SPIN_HEALTH {
                    continue;
                }
                let served = spin.resolve(path, |c| pod.components.contains(c));
                assert!(
                    served.is_some() && served == spin.resolve(path, |_| true),
                    "{env}: {name} probes {path}, which that pod does not serve"
                );
            }
            // The app's own health check gates readiness wherever the pod serves it.
            if let Some(owner) = health_owner
                && pod.components.contains(owner)
            {
                assert_eq!(
                    pod.spec["checks"]["readiness"]["httpGet"]["path"], "/healthz",
                    "{env}: {name} serves /healthz but is not made ready by it"
                );
            }
        }
    }
}

#[test]
fn each_environment_is_consistent_in_origin_host_and_release() {
    for env in ENVIRONMENTS {
        let docs = build(env);
        let route = find(&docs, "HTTPRoute", "pulse-account");
        let host = route["spec"]["hostnames"][0]
            .as_str()
            .expect("the route names its host");
        let mut images = BTreeSet::new();
        for (name, pod) in pods(&docs) {
            let value = |var: &str| {
                pod.spec["variables"]
                    .as_array()
                    .and_then(|vs| vs.iter().find(|v| v["name"] == var))
                    .and_then(|v| v["value"].as_str())
                    .map(str::to_owned)
            };
            assert_eq!(
                value("public_origin").as_deref(),
                Some(format!("https://{host}").as_str()),
                "{env}: {name}'s public_origin is not the route's host over HTTPS"
            );
            assert_eq!(
                value("mode").as_deref(),
                Some("production"),
                "{env}: {name} not in production mode"
            );
            assert!(
                value("db_url").is_none(),
                "{env}: {name}'s db_url must come from the secret, not a literal"
            );
            images.insert(pod.spec["image"].as_str().unwrap_or_default().to_owned());
        }
        assert_eq!(
            images.len(),
            1,
            "{env}: areas run different artifacts: {images:?}"
        );
        let app_image = images.pop_first().unwrap_or_default();
        let job = find(&docs, "Job", "pulse-account-migrate");
        let job_image = job["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap_or_default();
        let tag = |image: &str| image.rsplit_once(':').map(|(_, t)| t.to_owned());
        assert!(
            tag(&app_image).is_some() && tag(&app_image) == tag(job_image),
            "{env}: the migrations ({job_image}) and the app ({app_image}) are different releases"
        );
        for image in [app_image.as_str(), job_image] {
            assert!(
                image.contains('/') && !image.ends_with(":unreleased"),
                "{env}: image {image} is not pinned to a release"
            );
        }
    }
}

#[test]
fn scaling_and_runtime_config_follow_the_operator_rules() {
    for env in ENVIRONMENTS {
        let docs = build(env);
        let executors: BTreeSet<&str> = docs
            .iter()
            .filter(|d| d["kind"] == "SpinAppExecutor")
            .map(name_of)
            .collect();
        let hpas: BTreeMap<&str, &Value> = docs
            .iter()
            .filter(|d| d["kind"] == "HorizontalPodAutoscaler")
            .map(|d| {
                let target = &d["spec"]["scaleTargetRef"];
                assert_eq!(target["kind"], "Deployment", "{env}: {}", name_of(d));
                (target["name"].as_str().unwrap_or_default(), d)
            })
            .collect();
        for (name, pod) in pods(&docs) {
            let spec = &pod.spec;
            assert!(
                executors.contains(spec["executor"].as_str().unwrap_or_default()),
                "{env}: {name}'s executor is not in the build"
            );
            // The operator's admission webhook: replicas and autoscaling exclude each other.
            if spec["enableAutoscaling"] == true {
                assert!(
                    spec.get("replicas").is_none(),
                    "{env}: {name} sets replicas"
                );
                let hpa = hpas
                    .get(name.as_str())
                    .unwrap_or_else(|| panic!("{env}: {name} autoscales but has no HPA"));
                let (min, max) = (&hpa["spec"]["minReplicas"], &hpa["spec"]["maxReplicas"]);
                assert!(
                    min.as_u64().unwrap_or(0) >= 1 && min.as_u64() <= max.as_u64(),
                    "{env}: {name}'s HPA bounds {min}..{max}"
                );
            } else {
                assert!(
                    spec["replicas"].as_u64().unwrap_or(0) >= 1,
                    "{env}: {name} needs replicas"
                );
                assert!(
                    !hpas.contains_key(name.as_str()),
                    "{env}: {name} has an HPA"
                );
            }
            // The runtime config Secret holds runtime-config.toml with Redis for key-value.
            let secret_name = spec["runtimeConfig"]["loadFromSecret"]
                .as_str()
                .unwrap_or_else(|| panic!("{env}: {name} loads no runtime config"));
            let secret = find(&docs, "Secret", secret_name);
            let toml = decode_secret_value(secret, "runtime-config.toml");
            let config: toml::Table =
                toml::from_str(&toml).unwrap_or_else(|e| panic!("{env}: runtime-config.toml: {e}"));
            assert_eq!(
                config["key_value_store"]["default"]["type"].as_str(),
                Some("redis"),
                "{env}: key-value is not on Redis"
            );
            let url = config["key_value_store"]["default"]["url"]
                .as_str()
                .unwrap_or_default();
            assert!(url.starts_with("redis"), "{env}: Redis URL {url}");
        }
        assert_eq!(
            hpas.len(),
            pods(&docs)
                .values()
                .filter(|p| p.spec["enableAutoscaling"] == true)
                .count(),
            "{env}: an HPA scales no SpinApp"
        );
    }
}

#[test]
fn the_migrations_job_runs_pulse_host_migrate_once() {
    for env in ENVIRONMENTS {
        let docs = build(env);
        let job = find(&docs, "Job", "pulse-account-migrate");
        let container = &job["spec"]["template"]["spec"]["containers"][0];
        let argv: Vec<&str> = [&container["command"], &container["args"]]
            .into_iter()
            .flat_map(|v| v.as_array().into_iter().flatten())
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            argv,
            [
                "pulse-host",
                "migrate",
                "--dir",
                "migrations/postgres",
                "--database",
                "$(DB_URL)"
            ],
            "{env}: migrations command"
        );
        assert_eq!(job["spec"]["template"]["spec"]["restartPolicy"], "Never");
        assert_eq!(
            job["spec"]["backoffLimit"], 0,
            "{env}: a failed migration is retried"
        );
    }
}

#[test]
fn every_deploy_manifest_is_part_of_a_kustomization() {
    let mut used = BTreeSet::new();
    for dir in KUSTOMIZATIONS {
        kustomize::files_used(&root().join(dir), &mut used).unwrap_or_else(|e| panic!("{e:#}"));
    }
    // Manifests and the configuration they carry; image build files are not kustomize's.
    let kustomize_input = |f: &PathBuf| f.extension().is_some_and(|e| e == "yaml" || e == "toml");
    for file in files_under(&root().join("deploy"))
        .into_iter()
        .filter(kustomize_input)
    {
        let file = file.canonicalize().expect("canonical path");
        assert!(
            used.contains(&file),
            "{} is not used by any kustomization, so nothing checks it",
            rel(&file)
        );
    }
}

#[test]
fn env_sample_documents_every_spin_variable_without_secret_values() {
    let spin = SpinManifest::load();
    let sample = std::fs::read_to_string(root().join(".env.sample")).expect(".env.sample");
    let settings: BTreeMap<&str, &str> = sample
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    for (name, var) in &spin.variables {
        let key = format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase());
        let value = settings
            .get(key.as_str())
            .unwrap_or_else(|| panic!(".env.sample does not document {key}"));
        if var.secret {
            assert!(
                value.is_empty(),
                ".env.sample gives the secret {key} a value"
            );
        }
    }
    let guide = std::fs::read_to_string(root().join("docs/operations.md")).expect("guide");
    for (name, _) in spin.variables.iter().filter(|(_, v)| v.secret) {
        assert!(
            guide.contains(&format!("--from-literal={name}=")),
            "docs/operations.md does not show how to create the {name} secret"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

fn root() -> PathBuf {
    workspace_root()
}

fn rel(path: &Path) -> String {
    let root = root().canonicalize().unwrap_or_else(|_| root());
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    path.strip_prefix(&root)
        .unwrap_or(&path)
        .display()
        .to_string()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn yaml_files_under(dir: &Path) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect()
}

fn is_kustomize_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n == "kustomization.yaml" || n == "kustomizeconfig.yaml")
}

fn parse_yaml_docs(text: &str) -> Result<Vec<Value>> {
    let mut docs = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let value: Value = serde_yaml::with::singleton_map_recursive::deserialize(doc)?;
        if !value.is_null() {
            docs.push(value);
        }
    }
    Ok(docs)
}

fn read_yaml_docs(path: &Path) -> Result<Vec<Value>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_yaml_docs(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Builds a kustomization (a path relative to the repository root), panicking with the reason
/// when it cannot be built.
fn build(dir: &str) -> Vec<Value> {
    kustomize::build(&root().join(dir)).unwrap_or_else(|e| panic!("building {dir}: {e:#}"))
}

fn name_of(doc: &Value) -> &str {
    doc["metadata"]["name"].as_str().unwrap_or_default()
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && name_of(d) == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in the build"))
}

/// Resources keyed by kind, namespace and name, with Secret data compared as decoded bytes
/// (kubectl wraps long base64 lines).
fn by_identity(docs: Vec<Value>) -> BTreeMap<String, Value> {
    docs.into_iter()
        .map(|mut d| {
            if let Some(data) = d.get_mut("data").and_then(Value::as_object_mut) {
                for v in data.values_mut() {
                    if let Some(s) = v.as_str() {
                        *v = json!(s.split_whitespace().collect::<String>());
                    }
                }
            }
            let id = format!(
                "{} {}/{}",
                d["kind"].as_str().unwrap_or_default(),
                d["metadata"]["namespace"].as_str().unwrap_or_default(),
                name_of(&d)
            );
            (id, d)
        })
        .collect()
}

fn decode_secret_value(secret: &Value, key: &str) -> String {
    use base64::Engine;
    let encoded: String = secret["data"][key]
        .as_str()
        .unwrap_or_else(|| panic!("secret {} has no {key}", name_of(secret)))
        .split_whitespace()
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("base64 secret data");
    String::from_utf8(bytes).expect("UTF-8 secret data")
}

/// A run of 32 or more characters from a key alphabet that mixes letters and digits: how keys,
/// tokens and base64 secrets look, and how no manifest field of ours does.
fn long_token(line: &str) -> bool {
    line.split(|c: char| !(c.is_ascii_alphanumeric() || "+/=_-".contains(c)))
        .any(|word| {
            word.len() >= 32
                && word.chars().any(|c| c.is_ascii_digit())
                && word.chars().any(|c| c.is_ascii_alphabetic())
        })
}

fn kubectl() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("kubectl"))
        .find(|candidate| candidate.is_file())
}

// ---------------------------------------------------------------------------------------------
// spin.toml
// ---------------------------------------------------------------------------------------------

/// What the deployment must agree with in `spin.toml`, read at test time.
struct SpinManifest {
    variables: BTreeMap<String, SpinVariable>,
    routes: Vec<SpinRoute>,
    components: BTreeMap<String, SpinComponent>,
}

struct SpinVariable {
    secret: bool,
    /// Spin refuses to start without a value (declared `required`).
    required: bool,
}

struct SpinRoute {
    route: String,
    component: String,
}

struct SpinComponent {
    /// The application variables its `[component.x.variables]` templates use.
    uses_variables: BTreeSet<String>,
    /// Components of this app it depends on (`{ component = "..." }`).
    dependencies: BTreeSet<String>,
}

impl SpinManifest {
    fn load() -> Self {
        let text = std::fs::read_to_string(root().join("spin.toml")).expect("reading spin.toml");
        let manifest: toml::Table = toml::from_str(&text).expect("parsing spin.toml");
        let empty = toml::Table::new();
        let variables = manifest
            .get("variables")
            .and_then(toml::Value::as_table)
            .unwrap_or(&empty)
            .iter()
            .map(|(name, v)| {
                let flag = |key: &str| v.get(key).and_then(toml::Value::as_bool) == Some(true);
                let variable = SpinVariable {
                    secret: flag("secret"),
                    required: flag("required"),
                };
                (name.clone(), variable)
            })
            .collect();
        let routes = manifest
            .get("trigger")
            .and_then(|t| t.get("http"))
            .and_then(toml::Value::as_array)
            .expect("spin.toml has [[trigger.http]] routes")
            .iter()
            .map(|t| SpinRoute {
                route: t["route"].as_str().expect("route").to_owned(),
                component: t["component"].as_str().expect("component").to_owned(),
            })
            .collect();
        let components = manifest
            .get("component")
            .and_then(toml::Value::as_table)
            .expect("spin.toml has components")
            .iter()
            .map(|(id, c)| {
                let uses_variables = c
                    .get("variables")
                    .and_then(toml::Value::as_table)
                    .into_iter()
                    .flatten()
                    .filter_map(|(_, template)| template.as_str())
                    .flat_map(template_references)
                    .collect();
                let dependencies = c
                    .get("dependencies")
                    .and_then(toml::Value::as_table)
                    .into_iter()
                    .flatten()
                    .filter_map(|(_, dep)| dep.get("component").and_then(toml::Value::as_str))
                    .map(str::to_owned)
                    .collect();
                let component = SpinComponent {
                    uses_variables,
                    dependencies,
                };
                (id.clone(), component)
            })
            .collect();
        Self {
            variables,
            routes,
            components,
        }
    }

    fn routed_components(&self) -> BTreeSet<&str> {
        self.routes.iter().map(|r| r.component.as_str()).collect()
    }

    /// The variables a pod running `components` must be given: what they map, and what Spin
    /// requires of every app whatever it runs.
    fn variables_needed_by(&self, components: &BTreeSet<String>) -> BTreeSet<String> {
        let mut needed: BTreeSet<String> = components
            .iter()
            .filter_map(|c| self.components.get(c))
            .flat_map(|c| c.uses_variables.iter().cloned())
            .collect();
        needed.extend(
            self.variables
                .iter()
                .filter(|(_, v)| v.required)
                .map(|(k, _)| k.clone()),
        );
        needed
    }

    /// The component Spin sends `path` to, among the routes of the components `keep` keeps
    /// (as selective deployment does): an exact route beats a wildcard, the longest wildcard
    /// prefix wins, and of two identical routes the later one.
    fn resolve(&self, path: &str, keep: impl Fn(&str) -> bool) -> Option<&str> {
        let kept = || self.routes.iter().filter(|r| keep(&r.component));
        if let Some(exact) = kept().filter(|r| r.route == path).last() {
            return Some(&exact.component);
        }
        kept()
            .filter_map(|r| {
                let prefix = r.route.strip_suffix("/...")?;
                segment_prefix(prefix, path).then_some((prefix.len(), r))
            })
            .max_by_key(|(len, _)| *len)
            .map(|(_, r)| r.component.as_str())
    }
}

impl SpinRoute {
    /// The HTTPRoute match this route becomes: (`path`, is it `Exact`).
    fn as_gateway_match(&self) -> (String, bool) {
        match self.route.strip_suffix("/...") {
            Some("") => ("/".to_owned(), false),
            Some(prefix) => (prefix.to_owned(), false),
            None => (self.route.clone(), true),
        }
    }

    /// Paths that exercise this route: the route itself, and for a wildcard its bare prefix,
    /// the prefix with a slash and a path below it.
    fn sample_paths(&self) -> Vec<String> {
        match self.route.strip_suffix("/...") {
            Some(prefix) => vec![
                if prefix.is_empty() {
                    "/".to_owned()
                } else {
                    prefix.to_owned()
                },
                format!("{prefix}/"),
                format!("{prefix}/sample-workspace"),
                format!("{prefix}/a/b"),
            ],
            None => vec![self.route.clone()],
        }
    }
}

/// Whether `prefix` covers `path` segment by segment (`/team` covers `/team` and `/team/x`,
/// never `/teams`), as both Spin wildcards and Gateway API `PathPrefix` match.
fn segment_prefix(prefix: &str, path: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    prefix.is_empty()
        || path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The variable names a `{{ name }}` template refers to.
fn template_references(template: &str) -> Vec<String> {
    template
        .split("{{")
        .skip(1)
        .filter_map(|part| part.split_once("}}"))
        .map(|(name, _)| name.trim().to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The built deployment
// ---------------------------------------------------------------------------------------------

/// A SpinApp: the Service it gets (same name) and the components it keeps.
struct Pod<'a> {
    spec: &'a Value,
    components: BTreeSet<String>,
}

fn pods(docs: &[Value]) -> BTreeMap<String, Pod<'_>> {
    docs.iter()
        .filter(|d| d["kind"] == "SpinApp")
        .map(|d| {
            let components = d["spec"]["components"]
                .as_array()
                .unwrap_or_else(|| panic!("{} selects no components", name_of(d)))
                .iter()
                .filter_map(|c| c.as_str().map(str::to_owned))
                .collect();
            let pod = Pod {
                spec: &d["spec"],
                components,
            };
            (name_of(d).to_owned(), pod)
        })
        .collect()
}

struct GatewayMatch {
    value: String,
    exact: bool,
    service: String,
}

/// The path matches of an HTTPRoute, resolved the Gateway API way: an `Exact` match beats any
/// prefix, and the longest `PathPrefix` wins.
struct GatewayRoutes {
    matches: Vec<GatewayMatch>,
}

impl GatewayRoutes {
    fn from_route(route: &Value) -> Self {
        let mut matches = Vec::new();
        for rule in route["spec"]["rules"].as_array().expect("route rules") {
            let backends = rule["backendRefs"].as_array().expect("backendRefs");
            assert_eq!(backends.len(), 1, "each rule sends to one area");
            let service = backends[0]["name"].as_str().expect("backend name");
            for m in rule["matches"].as_array().expect("matches") {
                let path = &m["path"];
                let exact = match path["type"].as_str() {
                    Some("Exact") => true,
                    Some("PathPrefix") => false,
                    other => panic!("match type {other:?} is not one spin.toml routes map to"),
                };
                assert!(
                    m.as_object().is_some_and(|o| o.len() == 1),
                    "a match on more than the path: {m}"
                );
                matches.push(GatewayMatch {
                    value: path["value"].as_str().expect("path value").to_owned(),
                    exact,
                    service: service.to_owned(),
                });
            }
        }
        Self { matches }
    }

    fn resolve(&self, path: &str) -> Option<String> {
        if let Some(m) = self.matches.iter().find(|m| m.exact && m.value == path) {
            return Some(m.service.clone());
        }
        self.matches
            .iter()
            .filter(|m| !m.exact && segment_prefix(&m.value, path))
            .max_by_key(|m| m.value.trim_end_matches('/').len())
            .map(|m| m.service.clone())
    }
}

// ---------------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------------

/// The `openAPIV3Schema` of each custom resource version in `../shared/schemas`, made into
/// JSON Schema validators that judge a manifest as the API server would.
struct Schemas {
    /// By (group/version, kind).
    validators: BTreeMap<(String, String), jsonschema::Validator>,
}

/// Built-in kinds the deployment uses. The API server knows their schemas; no CRD describes
/// them. They are checked with `kubernetes-validate` when it is installed.
const BUILTIN_KINDS: [(&str, &str); 4] = [
    ("v1", "Namespace"),
    ("v1", "Secret"),
    ("batch/v1", "Job"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
];

impl Schemas {
    /// Loads every CRD beside the repository, or reports why it cannot (a failure in CI, a
    /// skip elsewhere).
    fn load(test: &str) -> Option<Self> {
        let dir = root().join("../shared/schemas");
        if !dir.is_dir() {
            let msg = format!(
                "the CRD schemas are not at {}: the manifests cannot be validated",
                dir.display()
            );
            assert!(!in_ci(), "{msg} (CI requires them; test {test})");
            eprintln!("SKIPPED {test}: {msg}");
            return None;
        }
        let mut validators = BTreeMap::new();
        for file in yaml_files_under(&dir) {
            for crd in read_yaml_docs(&file).unwrap_or_else(|e| panic!("{e:#}")) {
                if crd["kind"] != "CustomResourceDefinition" {
                    continue;
                }
                let group = crd["spec"]["group"].as_str().expect("CRD group");
                let kind = crd["spec"]["names"]["kind"].as_str().expect("CRD kind");
                for version in crd["spec"]["versions"].as_array().expect("CRD versions") {
                    if version["served"] != true {
                        continue;
                    }
                    let name = version["name"].as_str().expect("version name");
                    let mut schema = version["schema"]["openAPIV3Schema"].clone();
                    to_json_schema(&mut schema);
                    let validator = jsonschema::draft4::options()
                        .should_validate_formats(false)
                        .build(&schema)
                        .unwrap_or_else(|e| panic!("{}: {kind} {name}: {e}", file.display()));
                    validators.insert((format!("{group}/{name}"), kind.to_owned()), validator);
                }
            }
        }
        assert!(
            validators.contains_key(&(
                "core.spinkube.dev/v1alpha1".to_owned(),
                "SpinApp".to_owned()
            )),
            "{} has no SpinApp CRD",
            dir.display()
        );
        Some(Self { validators })
    }

    /// What the API server would reject in `doc`, as readable lines (empty when it is valid).
    fn check(&self, doc: &Value) -> Vec<String> {
        let api_version = doc["apiVersion"].as_str().unwrap_or_default();
        let kind = doc["kind"].as_str().unwrap_or_default();
        let name = name_of(doc);
        let mut problems = check_metadata(doc);
        if let Some(validator) = self
            .validators
            .get(&(api_version.to_owned(), kind.to_owned()))
        {
            problems.extend(validator.iter_errors(doc).map(|e| {
                let at = e.instance_path().to_string();
                format!(
                    "{kind} {name}: {} {e}",
                    if at.is_empty() { "/" } else { &at }
                )
            }));
            if kind == "HTTPRoute" {
                problems.extend(check_httproute_rules(doc));
            }
        } else if !BUILTIN_KINDS.contains(&(api_version, kind)) {
            problems.push(format!(
                "{kind} {name}: no schema for {api_version} {kind} (add its CRD to \
                 shared/schemas or the kind to BUILTIN_KINDS)"
            ));
        }
        problems
    }

    /// Checks the built-in kinds of every build against Kubernetes' own schemas with
    /// `kubernetes-validate --strict`, when that tool is installed.
    fn check_builtin_kinds_with_kubernetes_validate(&self) {
        let available = Command::new("kubernetes-validate")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !available {
            eprintln!(
                "SKIPPED built-in kinds (Namespace, Secret, Job, HorizontalPodAutoscaler): \
                 kubernetes-validate is not installed (pip install kubernetes-validate)"
            );
            return;
        }
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut files = Vec::new();
        for build_dir in KUSTOMIZATIONS {
            for (i, doc) in build(build_dir).into_iter().enumerate() {
                let api_version = doc["apiVersion"].as_str().unwrap_or_default();
                let kind = doc["kind"].as_str().unwrap_or_default();
                if BUILTIN_KINDS.contains(&(api_version, kind)) {
                    let file = dir
                        .path()
                        .join(format!("{}-{i}.json", build_dir.replace('/', "-")));
                    std::fs::write(&file, doc.to_string()).expect("writing manifest");
                    files.push(file);
                }
            }
        }
        let output = Command::new("kubernetes-validate")
            .args(["--strict", "--quiet", "--kubernetes-version", "1.32.0"])
            .args(&files)
            .output()
            .expect("running kubernetes-validate");
        assert!(
            output.status.success(),
            "kubernetes-validate rejects built-in resources:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Turns a structural `openAPIV3Schema` into the JSON Schema the API server effectively
/// applies: objects with declared properties reject unknown fields (kubectl's default strict
/// field validation), `nullable` admits null, and int-or-string admits both.
fn to_json_schema(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            let preserves = map.get("x-kubernetes-preserve-unknown-fields") == Some(&json!(true));
            if map.contains_key("properties")
                && !map.contains_key("additionalProperties")
                && !preserves
            {
                map.insert("additionalProperties".into(), json!(false));
            }
            if map.remove("nullable") == Some(json!(true))
                && let Some(t) = map.get("type").cloned()
            {
                map.insert("type".into(), json!([t, "null"]));
            }
            if map.get("x-kubernetes-int-or-string") == Some(&json!(true))
                && !map.contains_key("anyOf")
            {
                map.insert(
                    "anyOf".into(),
                    json!([{ "type": "integer" }, { "type": "string" }]),
                );
            }
            for value in map.values_mut() {
                to_json_schema(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(to_json_schema),
        _ => {}
    }
}

/// What the API server checks of every object's metadata, which CRD schemas leave open.
fn check_metadata(doc: &Value) -> Vec<String> {
    let kind = doc["kind"].as_str().unwrap_or("(no kind)");
    let mut problems = Vec::new();
    if !doc["apiVersion"].is_string() || !doc["kind"].is_string() {
        problems.push(format!("{kind}: apiVersion and kind are required"));
    }
    let name = name_of(doc);
    let dns_label = |s: &str| {
        !s.is_empty()
            && s.len() <= 63
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.starts_with('-')
            && !s.ends_with('-')
    };
    if !dns_label(name) {
        problems.push(format!("{kind} {name:?}: the name is not a DNS label"));
    }
    let meta = doc["metadata"].as_object();
    for field in meta.into_iter().flat_map(|m| m.keys()) {
        if !["name", "namespace", "labels", "annotations"].contains(&field.as_str()) {
            problems.push(format!(
                "{kind} {name}: metadata.{field} is not set by hand"
            ));
        }
    }
    for map in ["labels", "annotations"] {
        if let Some(entries) = doc["metadata"][map].as_object()
            && entries.values().any(|v| !v.is_string())
        {
            problems.push(format!(
                "{kind} {name}: metadata.{map} values must be strings"
            ));
        }
    }
    problems
}

/// The HTTPRoute rules written in CEL (`x-kubernetes-validations`), which JSON Schema cannot
/// express, for the parts of HTTPRoute the deployment uses.
fn check_httproute_rules(route: &Value) -> Vec<String> {
    let name = name_of(route);
    let mut problems = Vec::new();
    let rules = route["spec"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let total: usize = rules
        .iter()
        .map(|r| r["matches"].as_array().map_or(0, Vec::len))
        .sum();
    if total >= 128 {
        problems.push(format!(
            "HTTPRoute {name}: {total} matches (the limit is 127)"
        ));
    }
    for rule in &rules {
        for m in rule["matches"].as_array().into_iter().flatten() {
            let path = &m["path"];
            let value = path["value"].as_str().unwrap_or("/");
            let typed = matches!(path["type"].as_str(), Some("Exact" | "PathPrefix") | None);
            let valid_chars = value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-/._~!$&'()*+,;=:@%".contains(c));
            let bad = !value.starts_with('/')
                || ["//", "/./", "/../", "%2f", "%2F", "#"]
                    .iter()
                    .any(|s| value.contains(s))
                || value.ends_with("/..")
                || value.ends_with("/.")
                || !valid_chars;
            if typed && bad {
                problems.push(format!("HTTPRoute {name}: match path {value:?} is invalid"));
            }
        }
        for backend in rule["backendRefs"].as_array().into_iter().flatten() {
            let core_service = backend["group"].as_str().unwrap_or("").is_empty()
                && backend["kind"].as_str().unwrap_or("Service") == "Service";
            if core_service && backend.get("port").is_none() {
                problems.push(format!("HTTPRoute {name}: a Service backend needs a port"));
            }
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------------
// kustomize
// ---------------------------------------------------------------------------------------------

/// The part of kustomize that `deploy/` uses, built to refuse the rest: `resources` (files and
/// directories), `namespace`, `labels`, `secretGenerator` (from files, without a hash suffix),
/// `patches` (strategic-merge documents matched by kind and name or by `target`, and JSON 6902
/// operations with a `target`), `images`, and `configurations` that add image fields.
///
/// Strategic merge here merges maps and replaces lists, which is what kustomize does for
/// custom resources; the overlays patch built-in kinds only in scalar fields.
mod kustomize {
    use super::*;

    /// Kinds that live outside namespaces among those the deployment uses.
    const CLUSTER_SCOPED: [&str; 3] = ["Namespace", "GatewayClass", "CustomResourceDefinition"];

    /// An image field kustomize rewrites: a slash-separated path under a kind.
    #[derive(Clone)]
    struct ImageField {
        kind: String,
        path: Vec<String>,
    }

    struct Built {
        resources: Vec<Value>,
        image_fields: Vec<ImageField>,
    }

    pub fn build(dir: &Path) -> Result<Vec<Value>> {
        Ok(build_dir(dir)?.resources)
    }

    /// Adds every file a kustomization reads (itself included) to `used`.
    pub fn files_used(dir: &Path, used: &mut BTreeSet<PathBuf>) -> Result<()> {
        let file = dir.join("kustomization.yaml");
        used.insert(file.canonicalize()?);
        let k = read_kustomization(dir)?;
        for entry in strings(&k["resources"]) {
            let path = dir.join(entry);
            if path.is_dir() {
                files_used(&path, used)?;
            } else {
                used.insert(path.canonicalize()?);
            }
        }
        for entry in strings(&k["configurations"]) {
            used.insert(dir.join(entry).canonicalize()?);
        }
        for generator in k["secretGenerator"].as_array().into_iter().flatten() {
            for file in strings(&generator["files"]) {
                let path = file.split_once('=').map_or(file, |(_, p)| p);
                used.insert(dir.join(path).canonicalize()?);
            }
        }
        for patch in k["patches"].as_array().into_iter().flatten() {
            if let Some(path) = patch["path"].as_str() {
                used.insert(dir.join(path).canonicalize()?);
            }
        }
        Ok(())
    }

    fn strings(v: &Value) -> impl Iterator<Item = &str> {
        v.as_array().into_iter().flatten().filter_map(Value::as_str)
    }

    fn read_kustomization(dir: &Path) -> Result<Value> {
        let path = dir.join("kustomization.yaml");
        let mut docs = read_yaml_docs(&path)?;
        ensure!(docs.len() == 1, "{}: one document expected", path.display());
        let k = docs.remove(0);
        ensure!(
            k["kind"] == "Kustomization",
            "{}: not a Kustomization",
            path.display()
        );
        const KNOWN: [&str; 9] = [
            "apiVersion",
            "kind",
            "namespace",
            "labels",
            "resources",
            "secretGenerator",
            "patches",
            "images",
            "configurations",
        ];
        for key in k.as_object().into_iter().flat_map(|m| m.keys()) {
            ensure!(
                KNOWN.contains(&key.as_str()),
                "{}: `{key}` is not supported by the test's kustomize; extend it in \
                 tests/tests/deploy.rs",
                path.display()
            );
        }
        Ok(k)
    }

    fn build_dir(dir: &Path) -> Result<Built> {
        let k = read_kustomization(dir)?;
        let mut built = Built {
            resources: Vec::new(),
            image_fields: Vec::new(),
        };

        // Resources: files as they are, directories built first.
        for entry in strings(&k["resources"]) {
            let path = dir.join(entry);
            if path.is_dir() {
                let base = build_dir(&path)?;
                built.resources.extend(base.resources);
                built.image_fields.extend(base.image_fields);
            } else {
                built.resources.extend(read_yaml_docs(&path)?);
            }
        }
        for entry in strings(&k["configurations"]) {
            built
                .image_fields
                .extend(read_configuration(&dir.join(entry))?);
        }

        // Generators.
        for generator in k["secretGenerator"].as_array().into_iter().flatten() {
            generate_secret(dir, generator, &mut built.resources)?;
        }

        // Transformers, in kustomize's order.
        for patch in k["patches"].as_array().into_iter().flatten() {
            apply_patch(dir, patch, &mut built.resources)?;
        }
        if let Some(namespace) = k["namespace"].as_str() {
            for doc in &mut built.resources {
                let kind = doc["kind"].as_str().unwrap_or_default().to_owned();
                if kind == "Namespace" {
                    doc["metadata"]["name"] = json!(namespace);
                } else if !CLUSTER_SCOPED.contains(&kind.as_str()) {
                    doc["metadata"]["namespace"] = json!(namespace);
                }
            }
        }
        for label_set in k["labels"].as_array().into_iter().flatten() {
            for key in label_set.as_object().into_iter().flat_map(|m| m.keys()) {
                ensure!(
                    key == "pairs" || (key == "includeSelectors" && label_set[key] == false),
                    "labels: only `pairs` without selectors are supported"
                );
            }
            for doc in &mut built.resources {
                for (key, value) in label_set["pairs"].as_object().into_iter().flatten() {
                    doc["metadata"]["labels"][key] = value.clone();
                }
            }
        }
        for image in k["images"].as_array().into_iter().flatten() {
            for doc in &mut built.resources {
                set_images(doc, image, &built.image_fields)?;
            }
        }

        let mut seen = BTreeSet::new();
        for doc in &built.resources {
            let id = (
                doc["kind"].to_string(),
                doc["metadata"]["namespace"].to_string(),
                name_of(doc).to_owned(),
            );
            ensure!(seen.insert(id.clone()), "{id:?} is defined twice");
        }
        Ok(built)
    }

    fn read_configuration(path: &Path) -> Result<Vec<ImageField>> {
        let docs = read_yaml_docs(path)?;
        let mut fields = Vec::new();
        for doc in docs {
            for key in doc.as_object().into_iter().flat_map(|m| m.keys()) {
                ensure!(key == "images", "{}: only `images` fields", path.display());
            }
            for field in doc["images"].as_array().into_iter().flatten() {
                fields.push(ImageField {
                    kind: field["kind"]
                        .as_str()
                        .context("image field kind")?
                        .to_owned(),
                    path: field["path"]
                        .as_str()
                        .context("image field path")?
                        .split('/')
                        .map(str::to_owned)
                        .collect(),
                });
            }
        }
        Ok(fields)
    }

    fn generate_secret(dir: &Path, generator: &Value, resources: &mut Vec<Value>) -> Result<()> {
        use base64::Engine;
        let name = generator["name"].as_str().context("secretGenerator name")?;
        ensure!(
            generator["options"]["disableNameSuffixHash"] == true,
            "secretGenerator {name}: hash suffixes are not supported (SpinApps could not \
             follow the renamed Secret anyway)"
        );
        for key in generator.as_object().into_iter().flat_map(|m| m.keys()) {
            ensure!(
                ["name", "files", "behavior", "options"].contains(&key.as_str()),
                "secretGenerator {name}: `{key}` is not supported"
            );
        }
        let mut data = serde_json::Map::new();
        for file in strings(&generator["files"]) {
            let (key, path) = match file.split_once('=') {
                Some((key, path)) => (key.to_owned(), path),
                None => (
                    Path::new(file)
                        .file_name()
                        .context("file name")?
                        .to_string_lossy()
                        .into_owned(),
                    file,
                ),
            };
            let bytes = std::fs::read(dir.join(path))?;
            let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
            data.insert(key, json!(encoded));
        }
        let existing = resources
            .iter_mut()
            .find(|d| d["kind"] == "Secret" && name_of(d) == name);
        match (generator["behavior"].as_str().unwrap_or("create"), existing) {
            ("create", None) => resources.push(json!({
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": { "name": name },
                "type": "Opaque",
                "data": data,
            })),
            ("replace", Some(secret)) => secret["data"] = json!(data),
            ("merge", Some(secret)) => {
                for (k, v) in data {
                    secret["data"][k] = v;
                }
            }
            (behavior, found) => bail!(
                "secretGenerator {name}: behavior {behavior} with the Secret {}",
                if found.is_some() { "present" } else { "absent" }
            ),
        }
        Ok(())
    }

    fn apply_patch(dir: &Path, patch: &Value, resources: &mut [Value]) -> Result<()> {
        for key in patch.as_object().into_iter().flat_map(|m| m.keys()) {
            ensure!(
                ["path", "patch", "target"].contains(&key.as_str()),
                "patches: `{key}` is not supported"
            );
        }
        let text = match (patch["path"].as_str(), patch["patch"].as_str()) {
            (Some(path), None) => std::fs::read_to_string(dir.join(path))
                .with_context(|| format!("reading patch {path}"))?,
            (None, Some(inline)) => inline.to_owned(),
            _ => bail!("a patch needs exactly one of `path` and `patch`"),
        };
        let docs = parse_yaml_docs(&text)?;
        let target = patch.get("target");
        if let Some(target) = target {
            for key in target.as_object().into_iter().flat_map(|m| m.keys()) {
                ensure!(
                    ["kind", "name"].contains(&key.as_str()),
                    "patch target: `{key}` is not supported"
                );
            }
        }
        let selected = |doc: &Value, kind: &Value, name: &Value| {
            (kind.is_null() || doc["kind"] == *kind)
                && (name.is_null() || doc["metadata"]["name"] == *name)
        };

        // A JSON 6902 patch: one YAML list of operations, applied to each target.
        if let [Value::Array(ops)] = docs.as_slice() {
            let target = target.context("a JSON 6902 patch needs a target")?;
            let mut hits = 0;
            for doc in resources
                .iter_mut()
                .filter(|d| selected(d, &target["kind"], &target["name"]))
            {
                hits += 1;
                for op in ops {
                    json_patch(doc, op).with_context(|| format!("patching {}", name_of(doc)))?;
                }
            }
            ensure!(hits > 0, "the patch {patch} matches nothing");
            return Ok(());
        }

        // Strategic merge documents: each to its target, or to the resource it names.
        for patch_doc in &docs {
            let (kind, name) = match target {
                Some(t) => (t["kind"].clone(), t["name"].clone()),
                None => (
                    patch_doc["kind"].clone(),
                    patch_doc["metadata"]["name"].clone(),
                ),
            };
            let mut hits = 0;
            for doc in resources.iter_mut().filter(|d| selected(d, &kind, &name)) {
                hits += 1;
                let mut body = patch_doc.clone();
                if target.is_some()
                    && let Some(meta) = body["metadata"].as_object_mut()
                {
                    meta.remove("name");
                }
                merge(doc, &body)?;
            }
            ensure!(hits > 0, "the patch for {kind} {name} matches nothing");
        }
        Ok(())
    }

    /// Merges `patch` into `doc`: maps key by key, null deletes, anything else replaces.
    fn merge(doc: &mut Value, patch: &Value) -> Result<()> {
        match (doc, patch) {
            (Value::Object(doc), Value::Object(patch)) => {
                for (key, value) in patch {
                    ensure!(
                        !key.starts_with('$'),
                        "patch directive {key} is not supported"
                    );
                    if value.is_null() {
                        doc.remove(key);
                    } else if let Some(existing) = doc.get_mut(key) {
                        merge(existing, value)?;
                    } else {
                        doc.insert(key.clone(), value.clone());
                    }
                }
            }
            (doc, patch) => *doc = patch.clone(),
        }
        Ok(())
    }

    /// One RFC 6902 operation (`test`, `replace`, `add`, `remove`).
    fn json_patch(doc: &mut Value, op: &Value) -> Result<()> {
        let path = op["path"].as_str().context("operation path")?;
        let value = &op["value"];
        match op["op"].as_str() {
            Some("test") => {
                let found = doc.pointer(path);
                ensure!(
                    found == Some(value),
                    "test failed at {path}: {} is not {value}",
                    found.map_or("nothing".to_owned(), Value::to_string)
                );
            }
            Some("replace") => {
                *doc.pointer_mut(path)
                    .with_context(|| format!("nothing to replace at {path}"))? = value.clone();
            }
            Some(op_name @ ("add" | "remove")) => {
                let (parent, last) = path.rsplit_once('/').context("operation path")?;
                let last = last.replace("~1", "/").replace("~0", "~");
                let parent = doc
                    .pointer_mut(parent)
                    .with_context(|| format!("no parent for {path}"))?;
                match (parent, op_name) {
                    (Value::Object(map), "add") => {
                        map.insert(last, value.clone());
                    }
                    (Value::Object(map), _) => {
                        map.remove(&last)
                            .with_context(|| format!("nothing at {path}"))?;
                    }
                    (Value::Array(items), "add") if last == "-" => items.push(value.clone()),
                    (Value::Array(items), op_name) => {
                        let i: usize = last.parse()?;
                        ensure!(i <= items.len(), "index out of range at {path}");
                        if op_name == "add" {
                            items.insert(i, value.clone());
                        } else {
                            ensure!(i < items.len(), "nothing at {path}");
                            items.remove(i);
                        }
                    }
                    _ => bail!("{path} is inside a scalar"),
                }
            }
            other => bail!("JSON patch operation {other:?} is not supported"),
        }
        Ok(())
    }

    /// Rewrites every image reference named `image.name`: in containers of pod templates and
    /// in the fields the configurations add.
    fn set_images(doc: &mut Value, image: &Value, fields: &[ImageField]) -> Result<()> {
        let name = image["name"].as_str().context("images: name")?;
        let rewrite = |reference: &mut Value| {
            let Some(current) = reference.as_str() else {
                return;
            };
            let (repo, tag) = split_image(current);
            if repo != name {
                return;
            }
            let repo = image["newName"].as_str().unwrap_or(repo);
            let tag = image["newTag"].as_str().map(str::to_owned).or(tag);
            *reference = json!(match tag {
                Some(tag) => format!("{repo}:{tag}"),
                None => repo.to_owned(),
            });
        };
        let kind = doc["kind"].as_str().unwrap_or_default().to_owned();
        for pod_spec in [
            "/spec/template/spec",
            "/spec/jobTemplate/spec/template/spec",
        ] {
            for list in ["containers", "initContainers"] {
                if let Some(containers) = doc
                    .pointer_mut(&format!("{pod_spec}/{list}"))
                    .and_then(Value::as_array_mut)
                {
                    containers.iter_mut().for_each(|c| rewrite(&mut c["image"]));
                }
            }
        }
        for field in fields.iter().filter(|f| f.kind == kind) {
            if let Some(reference) = doc.pointer_mut(&format!("/{}", field.path.join("/"))) {
                rewrite(reference);
            }
        }
        Ok(())
    }

    /// Splits `repo[:tag]` (a registry port is part of the repository).
    fn split_image(reference: &str) -> (&str, Option<String>) {
        match reference.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag.to_owned())),
            _ => (reference, None),
        }
    }
}

//! The Kubernetes engine: one Indexed Job per stage with tasks left. A pod's completion index
//! is its task's number within the stage (`--stage S --task env` reads `JOB_COMPLETION_INDEX`),
//! and it waits for the tasks it needs (`--wait-for-inputs`), so every stage's Job can be
//! applied at once. Done tasks exit at once, so applying the manifest again after a failure
//! runs only the missing ones. A bench directory on a filesystem is a volume every pod mounts at
//! the same path; a bench directory on object storage needs none: every pod works in its own
//! working copy ([`crate::dir`]) and reaches the store — like the datasets the experiment names
//! by URL — with the credentials of the Secret `secret` names, which every pod takes its
//! environment from.

use anyhow::Result;
use serde_json::{Value, json};

use super::{Engine, Selection};
use crate::experiment::Experiment;
use crate::options::BenchOptions;
use crate::plan::Plan;
use crate::stage::Stage;
use crate::tasks;

#[derive(Debug, Clone)]
pub struct K8sOptions {
    pub image: String,
    /// The PersistentVolumeClaim that holds a bench directory on a filesystem (ReadWriteMany).
    pub claim: String,
    /// Pods of one Job that run at once.
    pub parallelism: usize,
    pub cpus_per_task: usize,
    /// Retries of one index before it counts as failed.
    pub retries: usize,
    /// The Secret every pod takes its environment from (object-store credentials).
    pub secret: Option<String>,
}

/// The Kubernetes engine: prints the Indexed Jobs for `kubectl apply -f -`.
pub struct K8s {
    pub options: K8sOptions,
}

impl Engine for K8s {
    fn name(&self) -> &'static str {
        "k8s"
    }

    fn launch(&self, plan: &Plan, _: &Experiment, options: &BenchOptions) -> Result<String> {
        manifest(plan, options, &self.options)
    }
}

/// The Indexed Jobs of the stages with pending tasks, as one multi-document YAML stream.
fn manifest(plan: &Plan, options: &BenchOptions, k8s: &K8sOptions) -> Result<String> {
    let mut documents = Vec::new();
    for stage in Stage::ALL {
        let count = plan.stage(stage).len();
        if tasks::pending(plan, &options.out, stage).is_empty() {
            continue;
        }
        documents.push(serde_yaml::to_string(&job(
            plan, stage, count, options, k8s,
        ))?);
    }
    Ok(documents.join("---\n"))
}

fn job(plan: &Plan, stage: Stage, count: usize, options: &BenchOptions, k8s: &K8sOptions) -> Value {
    let select = Selection::FromEnv {
        stage,
        offset: 0,
        wait: true,
    };
    let command: Vec<String> = std::iter::once("synmix".to_string())
        .chain((options.worker_args)(options, &select, k8s.cpus_per_task))
        .collect();
    let name = format!("synmix-{}-{}", &plan.experiment[..8], stage.name());
    let mut container = json!({
        "name": "synmix",
        "image": k8s.image,
        "command": command,
        "resources": {
            "requests": {"cpu": k8s.cpus_per_task.to_string()},
            "limits": {"cpu": k8s.cpus_per_task.to_string()},
        },
    });
    if let Some(secret) = &k8s.secret {
        container["envFrom"] = json!([{"secretRef": {"name": secret}}]);
    }
    let mut pod = json!({
        "restartPolicy": "Never",
        "containers": [container],
    });
    if let Some(mount) = options.out.store().as_local() {
        pod["containers"][0]["volumeMounts"] =
            json!([{"name": "bench", "mountPath": mount.display().to_string()}]);
        pod["volumes"] = json!([{
            "name": "bench",
            "persistentVolumeClaim": {"claimName": k8s.claim},
        }]);
    }
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "labels": {
                "app.kubernetes.io/name": "synmix",
                "synmix/plan": &plan.experiment[..8],
                "synmix/stage": stage.name(),
            },
        },
        "spec": {
            "completionMode": "Indexed",
            "completions": count,
            "parallelism": k8s.parallelism.min(count),
            "backoffLimitPerIndex": k8s.retries,
            "template": {"spec": pod},
        },
    })
}

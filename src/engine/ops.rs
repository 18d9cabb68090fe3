//! Every Docker operation dindctl performs, as methods of [`Engine`]. Errors come back as one
//! line (the error and its causes); [`Missing`] tells an object that is gone from a failure.

use std::collections::HashMap;

use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, ContainerSummary, EndpointSettings,
    ImageInspect, Network, NetworkConnectRequest, NetworkCreateRequest, NetworkDisconnectRequest,
    NetworkInspect, Volume, VolumeCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, DownloadFromContainerOptionsBuilder, InspectContainerOptions,
    InspectNetworkOptions, ListContainersOptionsBuilder, ListNetworksOptionsBuilder,
    ListVolumesOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder,
    RemoveVolumeOptions, RenameContainerOptionsBuilder, StartContainerOptions,
    StopContainerOptionsBuilder, UploadToContainerOptionsBuilder,
};
use futures_util::StreamExt as _;

use super::{Engine, describe};

/// A failed operation: its message, and whether the object was not there at all.
#[derive(Clone, Debug)]
pub struct OpError {
    pub message: String,
    pub missing: bool,
    /// 409 Conflict: a name already taken.
    pub conflict: bool,
}

impl OpError {
    pub fn is_conflict(&self) -> bool {
        self.conflict
    }
}

impl std::fmt::Display for OpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<bollard::errors::Error> for OpError {
    fn from(e: bollard::errors::Error) -> Self {
        let missing = matches!(
            e,
            bollard::errors::Error::DockerResponseServerError {
                status_code: 404,
                ..
            }
        );
        let conflict = matches!(
            e,
            bollard::errors::Error::DockerResponseServerError {
                status_code: 409,
                ..
            }
        );
        OpError {
            message: describe(&e),
            missing,
            conflict,
        }
    }
}

/// Whether a result failed because the object does not exist.
pub trait Missing {
    fn is_missing(&self) -> bool;
}

impl<T> Missing for Result<T, OpError> {
    fn is_missing(&self) -> bool {
        matches!(self, Err(e) if e.missing)
    }
}

type Res<T> = Result<T, OpError>;

fn label_filter(label: Option<&str>) -> HashMap<String, Vec<String>> {
    label
        .map(|l| HashMap::from([("label".to_string(), vec![l.to_string()])]))
        .unwrap_or_default()
}

impl Engine {
    /// Containers, stopped ones too; only those carrying `label` (`key=value`) when given.
    pub async fn list_containers(&self, label: Option<&str>) -> Res<Vec<ContainerSummary>> {
        let opts = ListContainersOptionsBuilder::new()
            .all(true)
            .filters(&label_filter(label))
            .build();
        Ok(self.docker.list_containers(Some(opts)).await?)
    }

    pub async fn inspect_container(&self, id: &str) -> Res<ContainerInspectResponse> {
        Ok(self
            .docker
            .inspect_container(id, None::<InspectContainerOptions>)
            .await?)
    }

    pub async fn create_container(&self, name: &str, body: ContainerCreateBody) -> Res<String> {
        let opts = CreateContainerOptionsBuilder::new().name(name).build();
        Ok(self.docker.create_container(Some(opts), body).await?.id)
    }

    pub async fn start_container(&self, id: &str) -> Res<()> {
        Ok(self
            .docker
            .start_container(id, None::<StartContainerOptions>)
            .await?)
    }

    /// Stops (waiting up to `grace` seconds before killing) and removes a container; one that
    /// is already gone is not an error.
    pub async fn stop_and_remove_container(&self, id: &str, grace: u64) -> Res<()> {
        let stop = StopContainerOptionsBuilder::new()
            .t(i32::try_from(grace).unwrap_or(i32::MAX))
            .build();
        let _ = self.docker.stop_container(id, Some(stop)).await;
        let result: Res<()> = self
            .docker
            .remove_container(
                id,
                Some(RemoveContainerOptionsBuilder::new().force(true).build()),
            )
            .await
            .map_err(OpError::from);
        if result.is_missing() {
            return Ok(());
        }
        result
    }

    pub async fn rename_container(&self, id: &str, new_name: &str) -> Res<()> {
        let opts = RenameContainerOptionsBuilder::new().name(new_name).build();
        Ok(self.docker.rename_container(id, opts).await?)
    }

    /// Extracts a tar archive at `/` inside a (created, not necessarily started) container.
    pub async fn upload_to_root(&self, id: &str, tar: Vec<u8>) -> Res<()> {
        let opts = UploadToContainerOptionsBuilder::new().path("/").build();
        Ok(self
            .docker
            .upload_to_container(id, Some(opts), bollard::body_full(bytes::Bytes::from(tar)))
            .await?)
    }

    /// The file at `path` inside a container (created or running), at most `limit` bytes,
    /// with its owner uid and permission bits; `None` when there is no such file.
    pub async fn read_file(
        &self,
        id: &str,
        path: &str,
        limit: u64,
    ) -> Res<Option<(Vec<u8>, u64, u32)>> {
        use std::io::Read as _;
        let opts = DownloadFromContainerOptionsBuilder::new()
            .path(path)
            .build();
        let mut stream = self.docker.download_from_container(id, Some(opts));
        let mut archive = Vec::new();
        // The archive is the file plus a header block or two; anything larger is not ours.
        let cap = limit + 64 * 1024;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(bytes) => {
                    archive.extend_from_slice(&bytes);
                    if archive.len() as u64 > cap {
                        return Ok(None);
                    }
                }
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                }) => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        }
        let mut tar = tar::Archive::new(archive.as_slice());
        let Ok(mut entries) = tar.entries() else {
            return Ok(None);
        };
        let Some(Ok(mut entry)) = entries.next() else {
            return Ok(None);
        };
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Ok(None);
        }
        let uid = entry.header().uid().unwrap_or(u64::MAX);
        let mode = entry.header().mode().unwrap_or(0) & 0o7777;
        let mut content = Vec::new();
        if entry
            .by_ref()
            .take(limit + 1)
            .read_to_end(&mut content)
            .is_err()
            || content.len() as u64 > limit
        {
            return Ok(None);
        }
        Ok(Some((content, uid, mode)))
    }

    /// The ID of some image on the daemon (for the lock container), if there is one.
    pub async fn any_image(&self) -> Res<Option<String>> {
        let list = self
            .docker
            .list_images(None::<bollard::query_parameters::ListImagesOptions>)
            .await?;
        Ok(list.into_iter().next().map(|i| i.id))
    }

    /// The last `lines` lines of a container's output (stdout and stderr).
    pub async fn logs_tail(&self, id: &str, lines: usize) -> String {
        let opts = LogsOptionsBuilder::new()
            .stdout(true)
            .stderr(true)
            .tail(&lines.to_string())
            .build();
        let mut logs = self.docker.logs(id, Some(opts));
        let mut text = String::new();
        while let Some(Ok(chunk)) = logs.next().await {
            text.push_str(&chunk.to_string());
        }
        text
    }

    /// A container's output as `(is_stderr, text)` chunks (a TTY container's all on stdout).
    pub fn log_stream(
        &self,
        id: &str,
        follow: bool,
        tail: Option<usize>,
        since: Option<i32>,
        timestamps: bool,
    ) -> impl futures_util::Stream<Item = Result<(bool, String), String>> + use<> {
        let mut opts = LogsOptionsBuilder::new()
            .stdout(true)
            .stderr(true)
            .follow(follow)
            .timestamps(timestamps)
            .tail(&tail.map_or("all".to_string(), |t| t.to_string()));
        if let Some(s) = since {
            opts = opts.since(s);
        }
        let docker = self.docker.clone();
        let id = id.to_string();
        let opts = opts.build();
        async_stream_logs(docker, id, opts)
    }

    pub async fn list_networks(&self) -> Res<Vec<Network>> {
        let opts = ListNetworksOptionsBuilder::new().build();
        Ok(self.docker.list_networks(Some(opts)).await?)
    }

    pub async fn inspect_network(&self, id: &str) -> Res<NetworkInspect> {
        Ok(self
            .docker
            .inspect_network(id, None::<InspectNetworkOptions>)
            .await?)
    }

    pub async fn create_network(&self, req: NetworkCreateRequest) -> Res<()> {
        self.docker.create_network(req).await?;
        Ok(())
    }

    pub async fn remove_network(&self, id: &str) -> Res<()> {
        Ok(self.docker.remove_network(id).await?)
    }

    pub async fn connect_network(
        &self,
        network: &str,
        container: &str,
        endpoint: EndpointSettings,
    ) -> Res<()> {
        let req = NetworkConnectRequest {
            container: container.to_string(),
            endpoint_config: Some(endpoint),
        };
        Ok(self.docker.connect_network(network, req).await?)
    }

    pub async fn disconnect_network(&self, network: &str, container: &str) -> Res<()> {
        let req = NetworkDisconnectRequest {
            container: container.to_string(),
            force: Some(true),
        };
        Ok(self.docker.disconnect_network(network, req).await?)
    }

    pub async fn list_volumes(&self) -> Res<Vec<Volume>> {
        let opts = ListVolumesOptionsBuilder::new().build();
        Ok(self
            .docker
            .list_volumes(Some(opts))
            .await?
            .volumes
            .unwrap_or_default())
    }

    pub async fn create_volume(&self, req: VolumeCreateRequest) -> Res<()> {
        self.docker.create_volume(req).await?;
        Ok(())
    }

    pub async fn remove_volume(&self, name: &str) -> Res<()> {
        Ok(self
            .docker
            .remove_volume(name, None::<RemoveVolumeOptions>)
            .await?)
    }

    pub async fn inspect_image(&self, reference: &str) -> Res<ImageInspect> {
        Ok(self.docker.inspect_image(reference).await?)
    }
}

/// The log stream of one container, owning its client (so it outlives the borrow of `self`).
fn async_stream_logs(
    docker: bollard::Docker,
    id: String,
    opts: bollard::query_parameters::LogsOptions,
) -> impl futures_util::Stream<Item = Result<(bool, String), String>> {
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(async move {
        let mut logs = docker.logs(&id, Some(opts));
        while let Some(item) = logs.next().await {
            let out = item
                .map(|chunk| {
                    let is_err = matches!(chunk, bollard::container::LogOutput::StdErr { .. });
                    (is_err, chunk.to_string())
                })
                .map_err(|e| describe(&e));
            let failed = out.is_err();
            if tx.send(out).await.is_err() || failed {
                break;
            }
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move {
        let item = rx.recv().await?;
        Some((item, rx))
    })
}

//! Every rule, one per file (the loading-phase rules share `loading.rs`). Adding a rule: a
//! file here, a line in [`ALL`], a fixture under `tests/fixtures/rules/<id>/`.

mod casting;
mod clients;
mod composition;
mod conflicting_settings;
mod container_name_with_replicas;
mod daemon_ports;
mod dependency_cycle;
mod dind_healthcheck_cannot_pass;
mod dind_service;
mod duplicate_container_name;
mod duplicate_host_port;
mod duplicate_mount_target;
mod external_name_conflict;
mod external_network_with_config;
mod external_volume_with_config;
mod forwarding;
mod healthcheck_duration_refused;
mod healthcheck_missing;
mod healthy_dependency_without_healthcheck;
mod hygiene;
mod inner_refused;
mod inner_wiring;
mod invalid_device_request;
mod invalid_duration;
mod invalid_healthcheck_test;
mod invalid_port;
mod invalid_secret_source;
mod loading;
mod mcp;
mod missing_image;
mod missing_resource_limits;
mod network_mode_with_networks;
mod networking;
mod obsolete_version;
mod port_all_interfaces;
mod port_refused_by_engine;
mod privileged_host_port;
mod privileged_inner_container;
mod secret_file_missing;
pub(crate) mod secret_in_environment;
mod sockets;
mod subnet_overlap;
mod undefined_config;
mod undefined_dependency;
mod undefined_network;
mod undefined_secret;
mod undefined_volume;
mod unpinned_image;
mod unused_network;
mod unused_volume;
mod urls;

use super::Rule;

pub use casting::{
    InvalidBoolean, InvalidByteSize, InvalidCommand, InvalidEnvironment, InvalidExtraHost,
    InvalidMount, InvalidNumber, NonStringKey,
};
pub use clients::{
    CertsWritableInClient, DockerHostUnreachable, RootSocketClient, ServerCertsInClient,
    SocketGroupMismatch,
};
pub use composition::{
    EmptyComposeFile, ExtendsCycle, IncludeConflict, IncludeCycle, InvalidEnvFile, MissingFile,
    OverriddenEntry, UndefinedExtends,
};
pub use conflicting_settings::ConflictingSettings;
pub use container_name_with_replicas::ContainerNameWithReplicas;
pub use daemon_ports::{DaemonPortExposed, DeadDaemonPort, PlaintextDaemonPort};
pub use dependency_cycle::DependencyCycle;
pub use dind_healthcheck_cannot_pass::DindHealthcheckCannotPass;
pub use dind_service::{
    DindNotPrivileged, DindStorageNotVolume, DindUserNotRoot, PrivilegedContainer,
};
pub use duplicate_container_name::DuplicateContainerName;
pub use duplicate_host_port::DuplicateHostPort;
pub use duplicate_mount_target::DuplicateMountTarget;
pub use external_name_conflict::ExternalNameConflict;
pub use external_network_with_config::ExternalNetworkWithConfig;
pub use external_volume_with_config::ExternalVolumeWithConfig;
pub use forwarding::{DindPortUnused, InnerPortNotForwarded};
pub use healthcheck_duration_refused::HealthcheckDurationRefused;
pub use healthcheck_missing::HealthcheckMissing;
pub use healthy_dependency_without_healthcheck::HealthyDependencyWithoutHealthcheck;
pub use hygiene::{ConflictingLabels, HardeningSuggestions};
pub use inner_refused::{InnerRelativeBind, ReservedLabel};
pub use inner_wiring::{InnerBindSourceMissing, InnerNetworkIsOuter};
pub use invalid_device_request::InvalidDeviceRequest;
pub use invalid_duration::InvalidDuration;
pub use invalid_healthcheck_test::InvalidHealthcheckTest;
pub use invalid_port::InvalidPort;
pub use invalid_secret_source::InvalidSecretSource;
pub use loading::{
    DuplicateKey, SchemaViolation, UnknownManifestKind, UnresolvedVariable, UnusedSuppression,
    YamlSyntax,
};
pub use mcp::{McpHealthcheckOnEndpoint, McpPortNotPublished, McpStdioWithPorts, McpUnreachable};
pub use missing_image::MissingImage;
pub use missing_resource_limits::MissingResourceLimits;
pub use network_mode_with_networks::NetworkModeWithNetworks;
pub use networking::{HostGatewayMissing, InternalNetworkPublishedPort};
pub use obsolete_version::ObsoleteVersion;
pub use port_all_interfaces::{DAEMON_PORTS, PortAllInterfaces};
pub use port_refused_by_engine::PortRefusedByEngine;
pub use privileged_host_port::PrivilegedHostPort;
pub use privileged_inner_container::PrivilegedInnerContainer;
pub use secret_file_missing::SecretFileMissing;
pub use secret_in_environment::{SecretInEnvironment, is_credential_key};
pub use sockets::{HostDockerSocket, SocketMountReadonly, SocketPathNotMounted};
pub use subnet_overlap::SubnetOverlap;
pub use undefined_config::UndefinedConfig;
pub use undefined_dependency::UndefinedDependency;
pub use undefined_network::UndefinedNetwork;
pub use undefined_secret::UndefinedSecret;
pub use undefined_volume::UndefinedVolume;
pub use unpinned_image::UnpinnedImage;
pub use unused_network::UnusedNetwork;
pub use unused_volume::UnusedVolume;
pub use urls::{UrlHostSidePort, UrlHostUnresolvable, UrlNothingListens};

/// The registry, sorted by rule id (a test keeps it sorted and the ids unique).
pub static ALL: &[&dyn Rule] = &[
    &CertsWritableInClient,
    &ConflictingLabels,
    &ConflictingSettings,
    &ContainerNameWithReplicas,
    &DaemonPortExposed,
    &DeadDaemonPort,
    &DependencyCycle,
    &DindHealthcheckCannotPass,
    &DindNotPrivileged,
    &DindPortUnused,
    &DindStorageNotVolume,
    &DindUserNotRoot,
    &DockerHostUnreachable,
    &DuplicateContainerName,
    &DuplicateHostPort,
    &DuplicateKey,
    &DuplicateMountTarget,
    &EmptyComposeFile,
    &ExtendsCycle,
    &ExternalNameConflict,
    &ExternalNetworkWithConfig,
    &ExternalVolumeWithConfig,
    &HardeningSuggestions,
    &HealthcheckDurationRefused,
    &HealthcheckMissing,
    &HealthyDependencyWithoutHealthcheck,
    &HostDockerSocket,
    &HostGatewayMissing,
    &IncludeConflict,
    &IncludeCycle,
    &InnerBindSourceMissing,
    &InnerNetworkIsOuter,
    &InnerPortNotForwarded,
    &InnerRelativeBind,
    &InternalNetworkPublishedPort,
    &InvalidBoolean,
    &InvalidByteSize,
    &InvalidCommand,
    &InvalidDeviceRequest,
    &InvalidDuration,
    &InvalidEnvFile,
    &InvalidEnvironment,
    &InvalidExtraHost,
    &InvalidHealthcheckTest,
    &InvalidMount,
    &InvalidNumber,
    &InvalidPort,
    &InvalidSecretSource,
    &McpHealthcheckOnEndpoint,
    &McpPortNotPublished,
    &McpStdioWithPorts,
    &McpUnreachable,
    &MissingFile,
    &MissingImage,
    &MissingResourceLimits,
    &NetworkModeWithNetworks,
    &NonStringKey,
    &ObsoleteVersion,
    &OverriddenEntry,
    &PlaintextDaemonPort,
    &PortAllInterfaces,
    &PortRefusedByEngine,
    &PrivilegedContainer,
    &PrivilegedHostPort,
    &PrivilegedInnerContainer,
    &ReservedLabel,
    &RootSocketClient,
    &SchemaViolation,
    &SecretFileMissing,
    &SecretInEnvironment,
    &ServerCertsInClient,
    &SocketGroupMismatch,
    &SocketMountReadonly,
    &SocketPathNotMounted,
    &SubnetOverlap,
    &UndefinedConfig,
    &UndefinedDependency,
    &UndefinedExtends,
    &UndefinedNetwork,
    &UndefinedSecret,
    &UndefinedVolume,
    &UnknownManifestKind,
    &UnpinnedImage,
    &UnresolvedVariable,
    &UnusedNetwork,
    &UnusedSuppression,
    &UnusedVolume,
    &UrlHostSidePort,
    &UrlHostUnresolvable,
    &UrlNothingListens,
    &YamlSyntax,
];

#[cfg(test)]
mod tests {
    use super::ALL;

    #[test]
    fn ids_are_sorted_unique_kebab_case_and_documented() {
        let ids: Vec<&str> = ALL.iter().map(|r| r.meta().id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted, "registry must be sorted with unique ids");
        for rule in ALL {
            let m = rule.meta();
            assert!(
                m.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                m.id
            );
            assert!(
                m.doc.contains("## What it does") && m.doc.contains("## Why is this bad?"),
                "{}",
                m.id
            );
            assert!(m.doc.contains("## Example"), "{} has no example", m.id);
            assert!(
                m.doc.contains("Use instead"),
                "{} shows no fixed example",
                m.id
            );
        }
    }
}

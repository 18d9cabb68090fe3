use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a device request (`deploy.resources.reservations.devices`, `gpus`) that sets
    /// both `count` and `device_ids`.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: `"count" and "device_ids" attributes are exclusive`
    /// (compose-go `validation/validation.go`, `checkDeviceRequest`); the Engine's
    /// `DeviceRequest` takes one or the other.
    ///
    /// ## Example
    /// ```yaml
    /// deploy:
    ///   resources:
    ///     reservations:
    ///       devices: [{capabilities: [gpu], count: 1, device_ids: ["0"]}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// deploy:
    ///   resources:
    ///     reservations:
    ///       devices: [{capabilities: [gpu], device_ids: ["0"]}]
    /// ```
    InvalidDeviceRequest, "invalid-device-request", Error,
    "a device request with both `count` and `device_ids`"
}

impl Rule for InvalidDeviceRequest {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services() {
            for d in &service.device_requests {
                if let (Some(count), Some(ids)) = (d.count, d.device_ids) {
                    out.add(
                        &Self::META,
                        ids,
                        format!(
                            "a device request of `{}` sets both `count` and `device_ids`",
                            service.name
                        ),
                    )
                    .related(count, "`count` here")
                    .help("keep `count` (how many devices) or `device_ids` (which ones)");
                }
            }
        }
    }
}

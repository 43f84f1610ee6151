"""Attribution in the audit pipeline: what the knowledge base cannot place directly inherits from
the component it stands for (a disk from its controller, a service from its package)."""

from doorwatch.audit import inherit_origins, inventory
from doorwatch.model import Attribution, Component
from machines import build_server


def test_raid_volume_takes_its_controllers_maker(tmp_path):
    inv, _ = inventory(build_server(tmp_path / "srv"))
    by_ref = {c.ref: c for c in inv.components}
    volumes = [c for c in inv.components if c.kind == "storage" and "controller" in c.properties]
    assert volumes
    for volume in volumes:
        controller = by_ref[volume.properties["controller"]]
        assert controller.vendor and volume.vendor == controller.vendor
        assert volume.country == controller.country
        assert volume.attribution.source.startswith(f"from {controller.ref}")


def test_service_takes_its_packages_origin_and_unrelated_parents_are_not_followed():
    package = Component(ref="deb:sogoupinyin", kind="package", category="software", name="sogoupinyin", vendor="Sogou",
                        country="CN", parent="Tencent", parent_country="CN", attribution=Attribution(source="curated", confidence="curated"))
    service = Component(ref="service:sogou.service", kind="service", category="software", name="sogou.service", properties={"package": "sogoupinyin"})
    hub = Component(ref="usb:1-1", kind="usb", category="hardware", name="hub", vendor="Genesys Logic", country="TW")
    device = Component(ref="usb:1-1.2", kind="usb", category="hardware", name="mystery", properties={"parent": "usb:1-1"})
    result = {c.ref: c for c in inherit_origins([package, service, hub, device])}
    assert (result["service:sogou.service"].vendor, result["service:sogou.service"].parent_country) == ("Sogou", "CN")
    assert result["service:sogou.service"].attribution.confidence == "curated"
    assert result["usb:1-1.2"].vendor is None  # a device is not made by the hub it is plugged into


def test_running_kernel_is_community_linux(tmp_path):
    inv, _ = inventory(build_server(tmp_path / "srv"))
    kernel = next(c for c in inv.components if c.kind == "kernel")
    assert (kernel.origin, kernel.country, kernel.properties.get("upstream")) == ("community", None, "Linux kernel")

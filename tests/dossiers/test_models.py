"""Small model helpers that pages and the API read on every row."""

import pytest

from motcua.dossiers.models import Channel, Dossier, Status


@pytest.mark.parametrize("status", Status.values)
def test_status_label_is_the_display_value(status):
    dossier = Dossier(status=status, channel=Channel.ONLINE)
    assert dossier.status_label == dossier.get_status_display()
    assert str(dossier.status_label)  # a real Vietnamese label, not the raw value
    assert str(dossier.status_label) != status


@pytest.mark.parametrize("channel", Channel.values)
def test_channel_label_is_the_display_value(channel):
    dossier = Dossier(status=Status.SUBMITTED, channel=channel)
    assert dossier.channel_label == dossier.get_channel_display()
    assert str(dossier.channel_label) != channel

"""The National Public Service Portal (Cổng Dịch vụ công quốc gia, DVCQG): its wire formats.

`schemas` holds every message exchanged with the portal in one place, so that a province
can adapt them to the version of the integration documents it is given. Plain Python, no
Django: the simulator (`motcua simulate`) uses it too.
"""

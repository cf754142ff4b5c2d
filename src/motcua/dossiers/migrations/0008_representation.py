import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0007_register_form_texts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="attachment",
            name="kind",
            field=models.CharField(
                choices=[
                    ("application", "Thành phần hồ sơ"),
                    ("supplement", "Giấy tờ bổ sung"),
                    ("result", "Kết quả giải quyết"),
                    ("mandate", "Giấy ủy quyền, giấy tờ chứng minh quyền đại diện"),
                ],
                max_length=12,
            ),
        ),
        migrations.CreateModel(
            name="Representation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "relationship",
                    models.CharField(
                        choices=[
                            ("legal", "Người đại diện theo pháp luật"),
                            ("authorised", "Người được ủy quyền"),
                        ],
                        max_length=12,
                        verbose_name="tư cách đại diện",
                    ),
                ),
                (
                    "representative_name",
                    models.CharField(max_length=200, verbose_name="họ tên người nộp thay"),
                ),
                (
                    "representative_id_number",
                    models.CharField(max_length=20, verbose_name="số định danh người nộp thay"),
                ),
                (
                    "representative_verified",
                    models.BooleanField(default=False, verbose_name="định danh đã xác thực"),
                ),
                (
                    "authorisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="dossiers.attachment",
                        verbose_name="giấy ủy quyền",
                    ),
                ),
                (
                    "dossier",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="representation",
                        to="dossiers.dossier",
                    ),
                ),
            ],
            options={
                "verbose_name": "nộp thay (đại diện)",
                "verbose_name_plural": "nộp thay (đại diện)",
            },
        ),
    ]

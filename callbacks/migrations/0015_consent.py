"""The consent record of each callback.

It once also re-ran the roles, so the roles that see callbacks see their consent; the roles are now
applied after every migrate (callbackproject/setup.py).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('callbacks', '0014_roles_for_calling_policies'),
    ]

    operations = [
        migrations.CreateModel(
            name='Consent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('given_at', models.DateTimeField(verbose_name='given')),
                ('channel', models.CharField(choices=[('widget', 'Widget'), ('api', 'API'), ('click_to_call', 'Click-to-call'), ('staff', 'Staff')], max_length=16, verbose_name='channel')),
                ('client_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='client address')),
                ('text', models.TextField(blank=True, help_text='What the customer was shown and agreed to.', verbose_name='consent text')),
                ('phone_number', models.CharField(blank=True, help_text='E.164.', max_length=16, verbose_name='phone number')),
                ('digest', models.CharField(editable=False, help_text='SHA-256 of the record as first written (Consent.canonical).', max_length=64, verbose_name='digest')),
                ('purged_at', models.DateTimeField(blank=True, null=True, verbose_name='personal data purged')),
                ('api_key', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='callbacks.apikey', verbose_name='API key')),
                ('callback', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='consent', to='callbacks.callback', verbose_name='callback')),
                ('widget', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='callbacks.widget', verbose_name='widget')),
            ],
            options={
                'verbose_name': 'consent',
            },
        ),
    ]

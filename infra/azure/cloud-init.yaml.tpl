#cloud-config
# CHAT-MSG Lab: the chat server VM. Rendered by infra/azure/render-cloud-init.sh (deploy.sh runs it):
# every line "@@NAME@@" becomes a file's content, indented like the placeholder. The server is the
# single-file bundle of this checkout (gzip + base64), so a fork deploys its own code.
# With deploy.sh --secure, @@TLS_FILES@@ adds the server certificate and key (never the CA key).
# On the VM: /var/log/cloud-init-output.log shows the provisioning, journalctl -u chatmsg-server the server.
package_update: false
package_upgrade: false
write_files:
  - path: /opt/chatmsg/chatmsg-server.mjs
    owner: root:root
    permissions: '0644'
    encoding: gz+b64
    content: |
      @@SERVER_BUNDLE_GZ_B64@@
  - path: /etc/chatmsg/server.env
    owner: root:root
    permissions: '0644'
    content: |
      @@SERVER_ENV@@
  @@TLS_FILES@@
  - path: /etc/systemd/system/chatmsg-server.service
    owner: root:root
    permissions: '0644'
    content: |
      @@SYSTEMD_UNIT@@
  - path: /etc/systemd/system/chatmsg-server.service.d/deploy.conf
    owner: root:root
    permissions: '0644'
    content: |
      @@SYSTEMD_DROP_IN@@
  - path: /opt/chatmsg/provision.sh
    owner: root:root
    permissions: '0755'
    content: |
      @@PROVISION_SCRIPT@@
runcmd:
  - [bash, /opt/chatmsg/provision.sh]

# mmsd with HAProxy and nginx (with its Lua and stream modules), as the seed promised:
#   docker build -t mmsd .
#   docker run --net=host mmsd --marathon-host=marathon.mesos --marathon-port=8080 --haproxy-bin=/usr/sbin/haproxy
#   docker run --net=host -v /etc/mmsd:/etc/mmsd:ro mmsd run --config /etc/mmsd/config.yaml
# The image's own steps are `npm pack --workspaces` and packaging/install.sh, which the test
# suite runs into a temporary prefix (test/install.test.ts): what this file does is tested
# without a container engine. docs/operations.md#docker.

FROM node:20-bookworm AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund \
 && mkdir /tarballs && npm pack --workspaces --pack-destination /tarballs --silent

FROM node:20-bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      haproxy nginx-light libnginx-mod-stream libnginx-mod-http-lua libcap2-bin ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 # HAProxy and nginx bind the gateways' ports 80 and 443 without root.
 && setcap cap_net_bind_service=+ep /usr/sbin/haproxy \
 && setcap cap_net_bind_service=+ep /usr/sbin/nginx
COPY --from=build /tarballs /tmp/tarballs
COPY packaging/install.sh /tmp/install.sh
RUN /tmp/install.sh /opt/mmsd /tmp/tarballs \
 && ln -s /opt/mmsd/bin/mmsd /usr/local/bin/mmsd \
 && rm -rf /tmp/tarballs /tmp/install.sh \
 && useradd --system --no-create-home --shell /usr/sbin/nologin mmsd \
 && install -d -o mmsd -g mmsd /var/run/mmsd /var/log/mmsd /var/lib/mmsd /etc/mmsd
ENV MMSD_DATA_DIR=/var/lib/mmsd
USER mmsd
ENTRYPOINT ["mmsd"]
CMD ["run"]

# agent-ledger: one image, every role (agent-ledger all | receiver | worker | query).
FROM node:22-bookworm-slim
WORKDIR /app
COPY . .
# `npm install` builds the TypeScript (prepare); dev dependencies are dropped after
RUN npm install && npm prune --omit=dev
ENV AGENT_LEDGER_HOST=0.0.0.0 AGENT_LEDGER_DATA_DIR=/data
VOLUME /data
EXPOSE 8080 4318
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["all"]

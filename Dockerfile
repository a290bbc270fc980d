# chainm2m: one image for the CLI, the bootstrap server, the LwM2M server + REST API and the simulator.
FROM node:20-slim
WORKDIR /app
RUN npm install -g pnpm@10.34.9
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.json ./
COPY contracts ./contracts
COPY packages ./packages
COPY scripts ./scripts
RUN pnpm install --frozen-lockfile --prod=false
ENV CHAINM2M_DATA_DIR=/data
VOLUME ["/data"]
ENTRYPOINT ["node", "/app/packages/cli/bin/chainm2m.js"]
CMD ["--help"]

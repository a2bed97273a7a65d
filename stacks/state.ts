/**
 * The state table: one DynamoDB table (single-table design) holding idempotency keys, cooldowns, the
 * node disruption budget, prior replica counts, approvals, Slack threads and audit records.
 *
 * The key schema must be exactly `stateTableSchema` in packages/core/src/state/dynamodb.ts, which
 * DynamoStateStore reads and writes. It is repeated rather than imported: even a type-only import of
 * that module pulls the AWS SDK and @types/node 26 into this program (see tsconfig.infra.json).
 */
const schema = { partitionKey: "pk", sortKey: "sk", ttlAttribute: "expiresAt" } as const;

export function createStateTable(options: { production: boolean }): sst.aws.Dynamo {
  return new sst.aws.Dynamo("State", {
    fields: { [schema.partitionKey]: "string", [schema.sortKey]: "string" },
    primaryIndex: { hashKey: schema.partitionKey, rangeKey: schema.sortKey },
    // DynamoDB deletes expired items late (up to days); the store also treats them as absent on read.
    ttl: schema.ttlAttribute,
    // The audit trail and the prior replica counts live here: losing the table loses the undo path.
    deletionProtection: options.production,
    transform: {
      table: (args) => {
        args.billingMode = "PAY_PER_REQUEST";
        args.pointInTimeRecovery = { enabled: options.production };
      },
    },
  });
}

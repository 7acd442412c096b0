import type { Connector } from './connector';
import { caseSystemConnector } from './case-system/connector';
import { csvConnector } from './csv/connector';
import { edFiConnector } from './edfi/connector';
import { ConnectorError } from './errors';
import { oneRosterConnector } from './oneroster/connector';

const CONNECTORS: Record<string, Connector<unknown, unknown>> = {
  [caseSystemConnector.kind]: caseSystemConnector as Connector<unknown, unknown>,
  [oneRosterConnector.kind]: oneRosterConnector as Connector<unknown, unknown>,
  [edFiConnector.kind]: edFiConnector as Connector<unknown, unknown>,
  [csvConnector.kind]: csvConnector as Connector<unknown, unknown>,
};

/** The connector for a source system's kind; an unknown kind is a configuration error. */
export function connectorFor(kind: string): Connector<unknown, unknown> {
  const connector = CONNECTORS[kind];
  if (!connector) throw ConnectorError.config(`no connector for source kind "${kind}"`);
  return connector;
}

export const CONNECTOR_KINDS = Object.keys(CONNECTORS);

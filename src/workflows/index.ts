export { deliverAlert } from './deliver-alert';
export { agentAppRegistry } from './agent-app-registry';

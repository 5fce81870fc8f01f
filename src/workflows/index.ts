export { deliverAlert } from './deliver-alert';

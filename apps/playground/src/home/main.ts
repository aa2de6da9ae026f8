import { mountNav } from '../shared/nav';

mountNav('index.html');

import type { SectionId } from './model.js';

export type Lang = 'en' | 'pt';
export const LANGS: readonly Lang[] = ['en', 'pt'];

/** The assignment's section titles; `--lang pt` gives the Portuguese of the assignment's own text. */
export const SECTION_TITLES: Record<Lang, Record<SectionId, string>> = {
  en: {
    '1': '1. Introduction',
    '2.1': '2.1 Overview of the client and the server',
    '2.2': '2.2 Basic tests of every service on 127.0.0.1',
    '2.3': '2.3 Messages between clients through a remote server',
    '2.4': '2.4 A client on a wireless LAN and the remote server',
    '2.5': '2.5 Simultaneous clients with the remote server',
    '2.6': '2.6 The proposed new service',
    '2.7': '2.7 Tests and evidence of the new service',
    '3': '3. Conclusion',
  },
  pt: {
    '1': '1. Introdução',
    '2.1': '2.1 Visão geral do cliente e do servidor',
    '2.2': '2.2 Testes básicos de todos os serviços em 127.0.0.1',
    '2.3': '2.3 Troca de mensagens entre clientes através de um servidor remoto',
    '2.4': '2.4 Cliente numa rede local sem fios e servidor remoto',
    '2.5': '2.5 Clientes simultâneos com o servidor remoto',
    '2.6': '2.6 O novo serviço proposto',
    '2.7': '2.7 Testes e evidências do novo serviço',
    '3': '3. Conclusão',
  },
};

/** Fixed words of the report around the evidence. */
export const WORDS: Record<Lang, Record<'report' | 'checklist' | 'present' | 'missing' | 'forAuthors' | 'makeIt' | 'contents', string>> = {
  en: {
    report: 'CHAT-MSG lab report',
    checklist: 'Evidence checklist',
    present: 'present',
    missing: 'missing',
    forAuthors: 'For the authors',
    makeIt: 'make it with',
    contents: 'Contents',
  },
  pt: {
    report: 'Relatório do laboratório CHAT-MSG',
    checklist: 'Lista de evidências',
    present: 'presente',
    missing: 'em falta',
    forAuthors: 'Para os autores',
    makeIt: 'obter com',
    contents: 'Índice',
  },
};

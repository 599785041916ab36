{#- Every pemda's planned APBD per year from DJPK's national file, summed from jenis-level
    accounts to the figures a peer comparison needs (Permendagri 90: 4.1 PAD, 4.2 transfers,
    5.1.01 pegawai, 5.1.02 barang dan jasa, 5.1.05 hibah, 5.1.06 bansos, 5.2 modal, 5.4 transfers
    to other governments). -#}
with

apbd as (

    select * from {{ ref('stg_djpk__apbd_pemda') }}

)

select
    kode_djpk,
    tahun,
    sum(nilai_rp) filter (where kode_akun like '4.%') as pendapatan_rp,
    sum(nilai_rp) filter (where kode_akun like '4.1.%') as pad_rp,
    sum(nilai_rp) filter (where kode_akun like '4.2.%') as transfer_masuk_rp,
    sum(nilai_rp) filter (where kode_akun like '5.%') as belanja_rp,
    sum(nilai_rp) filter (where kode_akun = '5.1.01') as belanja_pegawai_rp,
    sum(nilai_rp) filter (where kode_akun = '5.1.02') as belanja_barang_jasa_rp,
    sum(nilai_rp) filter (where kode_akun like '5.2.%') as belanja_modal_rp,
    sum(nilai_rp) filter (where kode_akun = '5.1.05') as belanja_hibah_rp,
    sum(nilai_rp) filter (where kode_akun = '5.1.06') as belanja_bansos_rp,
    sum(nilai_rp) filter (where kode_akun like '5.4.%') as belanja_transfer_rp
from apbd
group by kode_djpk, tahun
